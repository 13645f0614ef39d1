"""The outbox flusher's pacing (no Neo4j: the flush itself is stubbed) and flushed counts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.outbox import WAL_RESET_BYTES, Outbox
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


class _Stuck(OutboxFlusher):
    """A flusher whose flush blocks (as the driver's retries do while Neo4j is away)."""

    def __init__(self, tmp_path: Path) -> None:
        self.driver = create_driver(offline_settings(tmp_path))
        super().__init__(Outbox(tmp_path / "o.sqlite"), self.driver, "neo4j", interval_s=0.05)

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
        # started over past WAL_RESET_BYTES (8 MB), the WAL does not keep every row's frames
        # (it held ~40 MB here without the restart)
        assert WAL_RESET_BYTES == 8 << 20
        assert wal.stat().st_size < 16 << 20
        assert before > 0
    finally:
        flusher.stop()
        flusher.outbox.close()
        flusher.driver.close()
