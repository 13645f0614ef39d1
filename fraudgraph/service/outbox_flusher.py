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

With ``nice`` > 0 the flush thread lowers its own CPU priority (decoding events and talking to
Neo4j then use only CPU the request path leaves over), but the writes that take the outbox's
write lock (marking events flushed, pruning) are handed to a thread that keeps the priority it
was started with. A nice thread preempted while holding that lock would stall every request's
commit (priority inversion); while the lock holder runs, the nice thread waits for it without
the GIL, so it cannot block the holder either.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

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
T = TypeVar("T")


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
        nice: int = 0,
    ) -> None:
        """``nice``: the flush thread's nice value (0: left as it is)."""
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
        self._nice = nice
        self._lock_holder: ThreadPoolExecutor | None = None
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
        if self._lock_holder is not None:
            self._lock_holder.shutdown(wait=False)

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
        seqs = [e.seq for e in pending]
        self._locked(lambda: self.outbox.mark_flushed(seqs))
        return len(pending)

    def drain(self) -> int:
        """Flush until nothing is pending; return the number of events written."""
        total = 0
        while written := self.flush_once():
            total += written
        return total

    def _run(self) -> None:
        # Linux only: elsewhere setpriority() takes a process id, not a thread's.
        if self._nice > 0 and sys.platform.startswith("linux"):
            self._lower_priority()
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
            except Exception:  # e.g. the outbox file: the loop must outlive it, or flushing
                written = 0  # stops for good while requests keep filling the outbox
                LOG.exception("outbox flush failed; retrying in %.1fs", backoff)
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
        retention_s = self._retention_s
        pruned = self._locked(lambda: self.outbox.prune(retention_s))
        if pruned:
            LOG.info("outbox: forgot %d requests past the idempotency window", pruned)

    def _lower_priority(self) -> None:
        """Start the lock holder at our priority, then lower this thread's (Linux: per thread).

        A thread inherits its creator's priority, so the holder's thread is started (by a
        first, empty call) before ours is lowered.
        """
        self._lock_holder = ThreadPoolExecutor(1, thread_name_prefix="outbox-lock-holder")
        self._lock_holder.submit(lambda: None).result()
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self._nice)
        except OSError as exc:  # not fatal: flushing goes on at the normal priority
            LOG.warning("outbox flusher: could not lower its priority: %s", exc)

    def _locked(self, write: Callable[[], T]) -> T:
        """Run an outbox write that takes the write lock, on the lock holder when there is one."""
        if self._lock_holder is None:
            return write()
        return self._lock_holder.submit(write).result()

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
