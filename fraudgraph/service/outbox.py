"""The durable outbox and idempotency store: one SQLite file under ``var/``.

Each scored request is one row keyed by its request id, holding the decision (so a retried id
gets the same answer) and the event to write to the graph (so the graph gets it once Neo4j is
reachable). The decision and the event are committed together before the answer leaves the
server: an answer the client saw always has its event in the outbox.

The journal is WAL with ``synchronous=NORMAL``: committed rows survive a crash of the process
(the failure the outbox is for); a power cut may lose the last few commits, which is the price
of not paying an fsync in every request's latency. Checkpoints (copying the WAL into the
database file, with an fsync) are not left to whichever request crosses the WAL size limit:
the flusher thread runs them (:meth:`checkpoint`) on its own connection.

Commits are grouped: a request queues its row, then whoever holds the write lock commits every
queued row in one transaction (a group commit, with no extra thread). A request still returns
only once its own row is committed; under load one commit serves many requests, and alone it
costs what a single insert did.

Several server processes may share the file (``service_processes``). The write lock is then
two locks: the in-process one, and an advisory ``flock`` on ``<file>.lock`` taken around every
write transaction. A process whose writer waits on the other process's commit keeps queueing
its own requests' rows meanwhile, so the group commit works across processes too, and writers
wake as soon as the lock is free instead of sleeping in SQLite's busy handler (which stays as
a backstop: ``BUSY_TIMEOUT_S``). Idempotency needs nothing more: the request id is the primary
key, so when two processes score the same id, ``INSERT OR IGNORE`` keeps the first row and the
second process reads that row back and answers with its decision; the event is stored once.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fraudgraph.errors import InvalidInputError

LOG = logging.getLogger(__name__)
#: How long a statement waits for another process's write lock before failing (backstop: the
#: file lock below normally makes writers take turns without ever seeing SQLITE_BUSY).
BUSY_TIMEOUT_S = 5.0
#: Rows marked flushed per write transaction (see :meth:`Outbox.mark_flushed`).
MARK_CHUNK = 200
#: WAL size past which a checkpoint also starts the WAL over (see :meth:`Outbox._restart_wal`).
#: Each request's commit adds about 12 KB of WAL (whole pages of the table and its two
#: indexes), about 10 MB/s at 1,000 requests/s, and each emptying stalls the requests for one
#: fsync (30-90 ms measured next to a busy Neo4j): at 8 MB that was every second, at 256 MB it
#: is about every half minute. The file stays about this size (it is reused, not truncated).
WAL_RESET_BYTES = 256 << 20

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
#: Oldest first through the partial index (its entries are ordered by created_at, rowid).
_PENDING_SQL = (
    "SELECT rowid, request_id, event, decision FROM requests "
    "WHERE flushed_at IS NULL ORDER BY created_at, rowid LIMIT ?"
)


@dataclass(slots=True)
class _Queued:
    """A row waiting for the next group commit, and what became of it."""

    row: tuple[str, str, str, str, float]
    done: bool = False
    kept: str | None = None
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event not yet written to the graph."""

    seq: int
    request_id: str
    event: str
    decision: str


class Outbox:
    """SQLite-backed idempotency store and outbox, safe to share between threads."""

    def __init__(self, path: Path, *, wal_reset_bytes: int = WAL_RESET_BYTES) -> None:
        """``wal_reset_bytes``: WAL size past which a checkpoint starts it over (see checkpoint)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._wal_reset_bytes = wal_reset_bytes
        self._page_bytes = 0
        # One connection guarded by a lock: SQLite serialises writers anyway, and this avoids
        # "database is locked" retries between our own threads.
        self._conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None
        )
        # Serialises write transactions with the other processes sharing this file.
        self._file_lock = path.with_name(path.name + ".lock").open("a+b")
        self._lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpoint_lock = threading.Lock()
        self._closed = False
        #: Times the WAL was started over under the write locks (see :meth:`_restart_wal`).
        self.wal_resets = 0
        with self._lock, self._writing():
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA wal_autocheckpoint=0")  # see checkpoint()
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the cross-process write lock (the caller holds the in-process one)."""
        fcntl.flock(self._file_lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._file_lock, fcntl.LOCK_UN)

    def close(self) -> None:
        """Close the database file."""
        with self._checkpoint_lock, self._lock:
            self._closed = True
            if self._checkpointer is not None:
                self._checkpointer.close()
            self._conn.close()
            self._file_lock.close()

    def checkpoint(self) -> None:
        """Copy committed WAL pages into the database file (PASSIVE: never blocks a writer).

        Called from one background thread; it has its own connection, so requests do not wait
        for it, and the WAL does not grow without bound.
        """
        with self._background() as conn:
            if conn is None:
                return
            _, frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            # The frames in use, not the file's size: a restarted WAL keeps its size, and
            # measuring the file made every later checkpoint (each second) restart it again
            # under the write locks (measured: requests waiting 12-17 ms every second).
            if frames * self._page_size(conn) > self._wal_reset_bytes:
                self._restart_wal(conn)

    def _page_size(self, conn: sqlite3.Connection) -> int:
        if not self._page_bytes:
            self._page_bytes = int(conn.execute("PRAGMA page_size").fetchone()[0])
        return self._page_bytes

    def _restart_wal(self, conn: sqlite3.Connection) -> None:
        """Copy the last frames and start the WAL over (the background lock is held).

        Under steady writes a PASSIVE checkpoint never catches up with the frames committed
        while it runs, and SQLite reuses the WAL from its start only once every frame has been
        copied: the file grew by every request (measured: 13 MB for 800 rows). With the write
        locks held no commit can interleave, and after the PASSIVE pass there is only about a
        second's worth left to copy, so requests wait for that copy and one fsync, once per
        ``wal_reset_bytes`` written. RESTART, not TRUNCATE: the file keeps its size and is
        overwritten from its start (truncating a 256 MB WAL stalled the requests for 325 ms).
        """
        with self._lock, self._writing():
            conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
        self.wal_resets += 1

    @contextmanager
    def _background(self) -> Iterator[sqlite3.Connection | None]:
        """The background thread's own connection (None once closed).

        WAL lets it read while requests commit on the main connection, so the flusher's reads
        never hold the request path's lock.
        """
        with self._checkpoint_lock:  # never at the same time as close()
            if self._closed:
                yield None
                return
            if self._checkpointer is None:
                self._checkpointer = sqlite3.connect(
                    self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False,
                    isolation_level=None,
                )  # fmt: skip
            yield self._checkpointer

    def decision_for(self, request_id: str, payload_hash: str) -> str | None:
        """The stored decision of ``request_id``, None when it is new.

        The same id with a different payload is a client bug that must not be papered over.
        """
        with self._lock:
            return self._stored(request_id, payload_hash)

    def record(self, request_id: str, payload_hash: str, decision: str, event: str) -> str:
        """Store a new request's decision and event; return the decision that is kept.

        When another thread stored the same id first, its decision wins and is returned. The
        row is committed when this returns (possibly by another thread's group commit).
        """
        queued = _Queued((request_id, payload_hash, decision, event, time.time()))
        with self._queue_lock:
            self._queue.append(queued)
        with self._lock:
            if not queued.done:
                with self._writing():
                    self._commit_queued()
        if queued.error is not None:
            raise queued.error
        assert queued.kept is not None  # set by the commit that took the row
        return queued.kept

    def _commit_queued(self) -> None:
        """Commit every queued row in one transaction (both write locks are held)."""
        with self._queue_lock:
            batch, self._queue = self._queue, []
        try:
            if len(batch) == 1:  # alone: one autocommitted statement is the cheapest
                self._insert(batch[0])
            else:
                self._conn.execute("BEGIN IMMEDIATE")
                for queued in batch:
                    self._insert(queued)
                self._conn.execute("COMMIT")
        except Exception as exc:  # nothing of the batch is stored: each request fails
            self._rollback()
            for queued in batch:
                queued.error, queued.kept = exc, None
        finally:
            for queued in batch:
                queued.done = True

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            LOG.exception("outbox: rollback failed")

    def _insert(self, queued: _Queued) -> None:
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO requests (request_id, payload_hash, decision, event, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            queued.row,
        )
        if cur.rowcount == 1:
            queued.kept = queued.row[2]
            return
        try:  # the id is taken (earlier, or earlier in this batch): that decision is kept
            queued.kept = self._stored(queued.row[0], queued.row[1])
        except InvalidInputError as exc:
            queued.error = exc

    def _stored(self, request_id: str, payload_hash: str) -> str | None:
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

    def pending(self, limit: int) -> list[PendingEvent]:
        """The oldest events not yet written to the graph.

        Read on the background connection through the partial index ``pending``: the cost
        follows the backlog, not the days of flushed rows kept for idempotency, and requests
        never wait for it (``ORDER BY rowid`` here scanned the whole table under the write lock).
        """
        with self._background() as conn:
            if conn is None:
                return []
            rows = conn.execute(_PENDING_SQL, (limit,)).fetchall()
        return [PendingEvent(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def mark_flushed(self, seqs: list[int]) -> None:
        """Record that these events are in the graph.

        In transactions of :data:`MARK_CHUNK` rows: each holds the write lock (shared with
        every request's commit, in every process) only briefly.
        """
        now = time.time()
        for start in range(0, len(seqs), MARK_CHUNK):
            chunk = [(now, seq) for seq in seqs[start : start + MARK_CHUNK]]
            with self._lock, self._writing():
                self._conn.execute("BEGIN")
                self._conn.executemany("UPDATE requests SET flushed_at = ? WHERE rowid = ?", chunk)
                self._conn.execute("COMMIT")

    def prune(self, older_than_s: float) -> int:
        """Forget flushed requests older than ``older_than_s``: their ids may then be reused.

        The idempotency window is therefore ``older_than_s``; unflushed events are never pruned.
        """
        cutoff = time.time() - older_than_s
        with self._lock, self._writing():
            cur = self._conn.execute(
                "DELETE FROM requests WHERE flushed_at IS NOT NULL AND created_at < ?", (cutoff,)
            )
        return int(cur.rowcount)

    def flushed(self) -> int:
        """Number of events written to the graph and not yet pruned."""
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*) FROM requests WHERE flushed_at IS NOT NULL"
            ).fetchone()
        return int(row[0])

    def depth(self) -> int:
        """Number of events waiting for the graph."""
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*) FROM requests WHERE flushed_at IS NULL"
            ).fetchone()
        return int(row[0])
