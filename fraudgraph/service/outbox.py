"""The durable outbox and idempotency store: one SQLite file under ``var/``.

Each scored request is one row keyed by its request id, holding the decision (so a retried id
gets the same answer) and the event to write to the graph (so the graph gets it once Neo4j is
reachable). The decision and the event are committed together before the answer leaves the
server: an answer the client saw always has its event in the outbox.

The journal is WAL with ``synchronous=NORMAL``: committed rows survive a crash of the process
(the failure the outbox is for); a power cut may lose the last few commits, which is the price
of not paying an fsync in every request's latency.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from fraudgraph.errors import InvalidInputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    request_id   TEXT PRIMARY KEY,
    payload_hash TEXT NOT NULL,
    decision     TEXT NOT NULL,
    event        TEXT NOT NULL,
    created_at   REAL NOT NULL,
    flushed_at   REAL
);
CREATE INDEX IF NOT EXISTS pending ON requests(created_at) WHERE flushed_at IS NULL;
"""


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event not yet written to the graph."""

    seq: int
    request_id: str
    event: str
    decision: str


class Outbox:
    """SQLite-backed idempotency store and outbox, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One connection guarded by a lock: SQLite serialises writers anyway, and this avoids
        # "database is locked" retries between our own threads.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._conn.close()

    def decision_for(self, request_id: str, payload_hash: str) -> str | None:
        """The stored decision of ``request_id``, None when it is new.

        The same id with a different payload is a client bug that must not be papered over.
        """
        with self._lock:
            row = self._conn.execute(
                "SELECT payload_hash, decision FROM requests WHERE request_id = ?", (request_id,)
            ).fetchone()
        if row is None:
            return None
        if row[0] != payload_hash:
            raise InvalidInputError(
                "this request id was already used for a different request", field="request_id"
            )
        return str(row[1])

    def record(self, request_id: str, payload_hash: str, decision: str, event: str) -> str:
        """Store a new request's decision and event; return the decision that is kept.

        When another thread stored the same id first, its decision wins and is returned.
        """
        with self._lock:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO requests (request_id, payload_hash, decision, event, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (request_id, payload_hash, decision, event, time.time()),
            )
            if cur.rowcount == 1:
                return decision
        stored = self.decision_for(request_id, payload_hash)
        assert stored is not None  # the row that made the insert a no-op
        return stored

    def pending(self, limit: int) -> list[PendingEvent]:
        """The oldest events not yet written to the graph."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT rowid, request_id, event, decision FROM requests "
                "WHERE flushed_at IS NULL ORDER BY rowid LIMIT ?",
                (limit,),
            ).fetchall()
        return [PendingEvent(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def mark_flushed(self, seqs: list[int]) -> None:
        """Record that these events are in the graph."""
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN")
            self._conn.executemany(
                "UPDATE requests SET flushed_at = ? WHERE rowid = ?", [(now, s) for s in seqs]
            )
            self._conn.execute("COMMIT")

    def prune(self, older_than_s: float) -> int:
        """Forget flushed requests older than ``older_than_s``: their ids may then be reused.

        The idempotency window is therefore ``older_than_s``; unflushed events are never pruned.
        """
        cutoff = time.time() - older_than_s
        with self._lock:
            cur = self._conn.execute(
                "DELETE FROM requests WHERE flushed_at IS NOT NULL AND created_at < ?", (cutoff,)
            )
        return int(cur.rowcount)

    def depth(self) -> int:
        """Number of events waiting for the graph."""
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*) FROM requests WHERE flushed_at IS NULL"
            ).fetchone()
        return int(row[0])
