"""Writes the outbox's events to Neo4j in the background, retrying while Neo4j is away.

Every write is idempotent (GraphWriter creates a record once and merges a replay; the decision
properties are plain SETs), and an event is marked flushed only after its transaction commits.
A crash between the two replays the event, which changes nothing: each accepted event ends up
in the graph exactly once.

Neo4j usually shares the machine with the service, so the flusher keeps its cost down: with
``min_interval_s`` it starts a flush at most that often even with a backlog, and each flush
writes up to ``batch_size`` events (one transaction per record label and one for their
decisions, each statement UNWINDing the whole batch): few, large transactions instead of a
steady stream of small ones.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

from neo4j import Driver, ManagedTransaction

from fraudgraph.errors import GraphError
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ServiceQueries
from fraudgraph.ingest.graph_rows import WriteBatch, application_row, transaction_row
from fraudgraph.ingest.graph_writer import GraphWriter
from fraudgraph.service.background_worker import BackgroundWorker
from fraudgraph.service.event_codec import EventCodec
from fraudgraph.service.outbox import Outbox, PendingEvent
from fraudgraph.types import Transaction

LOG = logging.getLogger(__name__)
MAX_BACKOFF_S = 10.0
PRUNE_EVERY_S = 60.0
CHECKPOINT_EVERY_S = 1.0


class OutboxFlusher(BackgroundWorker):
    """Drains an :class:`Outbox` into the graph, one Neo4j transaction per label and batch."""

    def __init__(
        self,
        outbox: Outbox,
        driver: Driver,
        database: str,
        *,
        batch_size: int = 500,
        interval_s: float = 0.5,
        on_error: Callable[[Exception], None] | None = None,
        retention_s: float | None = None,
        min_interval_s: float = 0.0,
    ) -> None:
        self.outbox = outbox
        self._driver = driver
        self._database = database
        self._writer = GraphWriter(driver, database)
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._on_error = on_error
        self._retention_s = retention_s
        self._min_interval_s = min_interval_s
        self._next_prune = 0.0
        self._checkpointer: threading.Thread | None = None
        #: WAL checkpoints done by the checkpoint thread.
        self.checkpoints = 0
        super().__init__("outbox-flusher")

    def start(self) -> None:
        """Start flushing, and checkpointing the outbox's WAL in a thread of its own.

        A flush can block for long (the driver retries a transaction for up to 30 s while Neo4j
        is away); checkpoints must not wait for it, or the WAL grows by every request meanwhile
        and the next checkpoint copies and syncs all of it at once (a long burst of disk
        writes next to the requests' commits).
        """
        super().start()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_loop, name="outbox-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop flushing and checkpointing."""
        super().stop(timeout_s)
        if self._checkpointer is not None:
            self._checkpointer.join(timeout_s)

    def flush_once(self) -> int:
        """Write one batch of pending events; return how many were written.

        Raises GraphError when Neo4j refuses; the events stay pending.
        """
        pending = self.outbox.pending(self._batch_size)
        if not pending:
            return 0
        batches, decisions = self._batches(pending)
        for batch in batches.values():
            self._writer.write(batch)
        with neo4j_errors(), self._driver.session(database=self._database) as session:
            for label, rows in decisions.items():
                session.execute_write(self._set_decisions, label, rows)
        self.outbox.mark_flushed([e.seq for e in pending])
        return len(pending)

    def drain(self) -> int:
        """Flush until nothing is pending; return the number of events written."""
        total = 0
        while written := self.flush_once():
            total += written
        return total

    def _run(self) -> None:
        backoff = self._interval_s
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                written = self.flush_once()
                backoff = self._interval_s
            except GraphError as exc:
                written = 0
                LOG.warning("outbox flush failed (%s); retrying in %.1fs", exc, backoff)
                if self._on_error is not None:
                    self._on_error(exc)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
            if not written:
                self._prune_now_and_then()
                self._stop.wait(backoff)
            elif self._min_interval_s > 0:
                self._stop.wait(max(0.0, started + self._min_interval_s - time.monotonic()))

    def _checkpoint_loop(self) -> None:
        """Fold the outbox's WAL into its file about once a second, off the request path."""
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            try:
                self.outbox.checkpoint()
                self.checkpoints += 1
            except sqlite3.Error as exc:  # the next round tries again; requests are unaffected
                LOG.warning("outbox checkpoint failed: %s", exc)

    def _prune_now_and_then(self) -> None:
        """Forget old flushed ids, at most once a minute, when the outbox is idle."""
        now = time.monotonic()
        if self._retention_s is None or now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY_S
        pruned = self.outbox.prune(self._retention_s)
        if pruned:
            LOG.info("outbox: forgot %d requests past the idempotency window", pruned)

    @staticmethod
    def _set_decisions(tx: ManagedTransaction, label: str, rows: list[dict[str, Any]]) -> None:
        tx.run(ServiceQueries.set_decisions(label), rows=rows).consume()

    @staticmethod
    def _batches(
        pending: list[PendingEvent],
    ) -> tuple[dict[str, WriteBatch], dict[str, list[dict[str, Any]]]]:
        batches: dict[str, WriteBatch] = {}
        decisions: dict[str, list[dict[str, Any]]] = {}
        for event in pending:
            record, entities = EventCodec.decode_event(event.event)
            if isinstance(record, Transaction):
                label, row, rid = "Transaction", transaction_row(record), record.transaction_id
            else:
                label, row, rid = "Application", application_row(record), record.application_id
            batch = batches.setdefault(label, WriteBatch(label))
            batch.records.append(row)
            batch.add_entities(len(batch.records) - 1, entities)
            decision = json.loads(event.decision)
            decisions.setdefault(label, []).append(
                {
                    "id": rid,
                    "request_id": event.request_id,
                    "action": decision["action"],
                    "score": decision["score"],
                    "model_version": decision["model_version"],
                }
            )
        return batches, decisions
