"""The outbox flusher's pacing (no Neo4j: the flush itself is stubbed) and flushed counts."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.outbox_flusher import OutboxFlusher
from tests.unit.service.conftest import offline_settings


class _Backlogged(OutboxFlusher):
    """A flusher that always finds a full batch to write, and notes when each flush began."""

    def __init__(self, tmp_path: Path, min_interval_s: float) -> None:
        self.driver = create_driver(offline_settings(tmp_path))
        super().__init__(Outbox(tmp_path / "o.sqlite"), self.driver, "neo4j",
                         interval_s=0.05, min_interval_s=min_interval_s)  # fmt: skip
        self.starts: list[float] = []

    def flush_once(self) -> int:
        self.starts.append(time.monotonic())
        return 500


@pytest.mark.parametrize("min_interval_s", [0.0, 0.25])
def test_a_backlog_is_flushed_at_most_once_per_min_interval(
    tmp_path: Path, min_interval_s: float
) -> None:
    flusher = _Backlogged(tmp_path, min_interval_s)
    flusher.start()
    time.sleep(1.0)
    flusher.stop()
    flusher.outbox.close()
    flusher.driver.close()
    gaps = [b - a for a, b in zip(flusher.starts, flusher.starts[1:], strict=False)]
    if min_interval_s:
        assert 2 <= len(flusher.starts) <= 5
        assert min(gaps) >= min_interval_s * 0.95
    else:  # no pacing: with a backlog the next flush starts at once
        assert len(flusher.starts) > 20


def test_flushed_counts_the_events_marked_written(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    for i in range(5):
        box.record(f"r{i}", "h", f"D{i}", f"E{i}")
    assert box.flushed() == 0
    box.mark_flushed([p.seq for p in box.pending(3)])
    assert (box.flushed(), box.depth()) == (3, 2)
    box.close()


#: The WAL size past which the tests' outboxes empty it (the default is larger).
RESET_BYTES = 8 << 20


class _Stuck(OutboxFlusher):
    """A flusher whose flush blocks (as the driver's retries do while Neo4j is away)."""

    def __init__(self, tmp_path: Path) -> None:
        self.driver = create_driver(offline_settings(tmp_path))
        box = Outbox(tmp_path / "o.sqlite", wal_reset_bytes=RESET_BYTES)
        super().__init__(box, self.driver, "neo4j", interval_s=0.05)

    def flush_once(self) -> int:
        self._stop.wait(60.0)
        return 0


def test_the_wal_is_checkpointed_while_a_flush_is_stuck(tmp_path: Path) -> None:
    flusher = _Stuck(tmp_path)
    wal = tmp_path / "o.sqlite-wal"
    flusher.start()
    try:
        deadline = time.monotonic() + 30
        for i in range(400):  # requests keep committing meanwhile (~6 MB of WAL frames)
            flusher.outbox.record(f"r{i}", "h", "D", "E" * 2000)
            time.sleep(0.005)
        while flusher.checkpoints < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flusher.checkpoints >= 2
        before = wal.stat().st_size
        for i in range(400, 2400):  # another ~30 MB: without a restart the WAL would hold it
            flusher.outbox.record(f"r{i}", "h", "D", "E" * 2000)
            time.sleep(0.005)
        # emptied past RESET_BYTES (8 MB), the WAL does not keep every row's frames
        # (it held ~40 MB here without the restart)
        assert wal.stat().st_size < 16 << 20
        assert before > 0
    finally:
        flusher.stop()
        flusher.outbox.close()
        flusher.driver.close()


def test_a_restarted_wal_is_reused_and_not_restarted_again_without_new_writes(
    tmp_path: Path,
) -> None:
    flusher = _Stuck(tmp_path)
    wal = tmp_path / "o.sqlite-wal"
    flusher.start()
    try:
        deadline = time.monotonic() + 60
        i = 0
        while flusher.outbox.wal_resets == 0 and time.monotonic() < deadline:
            flusher.outbox.record(f"r{i}", "h", "D", "E" * 4000)
            i += 1
            time.sleep(0.001)  # about a request rate: the WAL passes 8 MB within seconds
        assert flusher.outbox.wal_resets == 1
        size = wal.stat().st_size
        checkpoints = flusher.checkpoints
        while flusher.checkpoints < checkpoints + 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        # idle checkpoints leave the write locks alone (sizing the kept file made each restart)
        assert flusher.checkpoints >= checkpoints + 3
        assert flusher.outbox.wal_resets == 1
        for j in range(i, i + 200):  # ~1-2 MB more: written over the start of the same file
            flusher.outbox.record(f"r{j}", "h", "D", "E" * 4000)
        assert wal.stat().st_size == size
    finally:
        flusher.stop()
        flusher.outbox.close()
        flusher.driver.close()


class _Faulty(_Stuck):
    """A flusher whose first flush fails with a local (non-Neo4j) error."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path)
        self.calls = 0

    def flush_once(self) -> int:
        self.calls += 1
        if self.calls == 1:
            raise sqlite3.OperationalError("database is locked")
        return 0


def test_the_flush_loop_survives_an_unexpected_error(tmp_path: Path) -> None:
    flusher = _Faulty(tmp_path)
    flusher.start()
    try:
        deadline = time.monotonic() + 10
        while flusher.calls < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert flusher.calls >= 3  # it retried after the error instead of ending its thread
    finally:
        flusher.stop()
        flusher.outbox.close()
        flusher.driver.close()


def _own_nice() -> tuple[int, int]:
    tid = threading.get_native_id()
    return tid, os.getpriority(os.PRIO_PROCESS, tid)  # Linux: the calling thread's nice


class _Niced(_Stuck):
    """A nice flusher that notes its thread's and its lock holder's (thread id, nice)."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path)
        self._nice = 19
        self.seen: list[tuple[tuple[int, int], tuple[int, int]]] = []

    def flush_once(self) -> int:
        self.seen.append((_own_nice(), self._locked(_own_nice)))
        return 0


def test_a_nice_flusher_takes_the_outbox_lock_on_a_thread_at_the_callers_priority(
    tmp_path: Path,
) -> None:
    base = _own_nice()[1]
    flusher = _Niced(tmp_path)
    flusher.start()
    try:
        deadline = time.monotonic() + 10
        while len(flusher.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        flusher.stop()
        flusher.outbox.close()
        flusher.driver.close()
    (flush_tid, flush_nice), (holder_tid, holder_nice) = flusher.seen[-1]
    assert flush_nice == 19  # decoding and Neo4j writes: only spare CPU
    assert holder_tid != flush_tid
    assert holder_nice == base  # the lock is never held at the lowered priority
    assert _own_nice()[1] == base  # only the flush thread was lowered, not the process
