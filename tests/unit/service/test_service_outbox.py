"""The SQLite outbox and idempotency store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fraudgraph.errors import InvalidInputError
from fraudgraph.service.outbox import Outbox


def test_record_then_lookup_and_reuse_with_other_payload(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    assert box.decision_for("r1", "h1") is None
    assert box.record("r1", "h1", "D1", "E1") == "D1"
    assert box.decision_for("r1", "h1") == "D1"
    assert box.record("r1", "h1", "D-other", "E-other") == "D1"  # the first decision stays
    with pytest.raises(InvalidInputError) as err:
        box.decision_for("r1", "h2")
    assert err.value.field == "request_id"
    assert box.depth() == 1


def test_pending_survives_reopen_and_flush_marks(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    box = Outbox(path)
    for i in range(5):
        box.record(f"r{i}", "h", f"D{i}", f"E{i}")
    box.close()
    reopened = Outbox(path)
    pending = reopened.pending(3)
    assert [p.request_id for p in pending] == ["r0", "r1", "r2"]
    reopened.mark_flushed([p.seq for p in pending])
    assert [p.request_id for p in reopened.pending(10)] == ["r3", "r4"]
    assert reopened.depth() == 2


def test_concurrent_writers_of_one_id_agree(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    kept: list[str] = []

    def write(n: int) -> None:
        kept.append(box.record("same", "h", f"D{n}", "E"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(kept)) == 1
    assert box.depth() == 1


def test_prune_forgets_only_old_flushed_requests(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    box.record("old", "h", "D", "E")
    box.record("pending", "h", "D", "E")
    box.mark_flushed([p.seq for p in box.pending(1)])
    assert box.prune(older_than_s=3600) == 0  # too recent
    assert box.prune(older_than_s=-1) == 1  # flushed and "old": gone
    assert box.decision_for("old", "h") is None
    assert box.decision_for("pending", "h") == "D"
