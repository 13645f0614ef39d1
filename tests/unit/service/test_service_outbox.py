"""The SQLite outbox and idempotency store."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import fraudgraph.service.outbox as outbox_module
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


def test_pending_reads_only_the_backlog_through_its_index(tmp_path: Path) -> None:
    """The flusher's read must not scan the flushed rows kept for idempotency (days of them)."""
    path = tmp_path / "o.sqlite"
    box = Outbox(path)
    for i in range(outbox_module.MARK_CHUNK * 2 + 7):
        box.record(f"r{i}", "h", f"D{i}", f"E{i}")
    first = box.pending(outbox_module.MARK_CHUNK * 2 + 1)
    box.mark_flushed([p.seq for p in first])  # spans three chunk transactions
    assert [p.request_id for p in box.pending(100)] == [
        f"r{i}" for i in range(outbox_module.MARK_CHUNK * 2 + 1, outbox_module.MARK_CHUNK * 2 + 7)
    ]
    plan = (
        sqlite3.connect(path)
        .execute("EXPLAIN QUERY PLAN " + outbox_module._PENDING_SQL, (10,))
        .fetchall()
    )
    assert any("USING INDEX pending" in str(step[-1]) for step in plan), plan


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


def test_group_commit_answers_every_request_of_one_batch(tmp_path: Path) -> None:
    """Rows queued while the writer is busy are committed together, each with its own answer."""
    box = Outbox(tmp_path / "o.sqlite")
    box.record("taken", "h", "D-first", "E")
    answers: dict[str, str | Exception] = {}

    def write(name: str, rid: str, payload: str) -> None:
        try:
            answers[name] = box.record(rid, payload, f"D-{name}", "E")
        except InvalidInputError as exc:
            answers[name] = exc

    calls = [(f"new{i}", f"r{i}", "h") for i in range(8)]
    calls += [("same-again", "taken", "h"), ("reused-id", "taken", "other"),
              ("twin-a", "twin", "h"), ("twin-b", "twin", "h")]  # fmt: skip
    threads = [threading.Thread(target=write, args=c) for c in calls]
    with box._lock:  # the writer is busy: every request queues behind it
        for t in threads:
            t.start()
        while len(box._queue) < len(calls):
            threading.Event().wait(0.01)
    for t in threads:
        t.join(10)
    assert all(answers[f"new{i}"] == f"D-new{i}" for i in range(8))
    assert answers["same-again"] == "D-first"  # the stored decision comes back
    reused = answers["reused-id"]
    assert isinstance(reused, InvalidInputError)
    assert reused.field == "request_id"
    assert answers["twin-a"] == answers["twin-b"]  # same id twice in one batch: one decision
    assert answers["twin-a"] in {"D-twin-a", "D-twin-b"}
    assert box.depth() == 1 + 8 + 1
    reopened = Outbox(tmp_path / "o.sqlite")  # committed, not only visible to this connection
    assert reopened.decision_for("r7", "h") == "D-new7"


def test_a_failed_group_commit_fails_each_of_its_requests(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite")
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            box.record(f"r{n}", "h", "D", "E")
        except sqlite3.Error as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(3)]
    with box._lock:
        for t in threads:
            t.start()
        while len(box._queue) < len(threads):
            threading.Event().wait(0.01)
        box._conn.close()  # the disk is gone: the commit of the whole group fails
    for t in threads:
        t.join(10)
    assert len(errors) == 3  # every request of the group hears of it; none hangs
    assert box._queue == []


def test_checkpoints_happen_off_the_request_path(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    box = Outbox(path)
    for i in range(1200):  # past SQLite's default auto-checkpoint of 1000 pages
        box.record(f"r{i}", "h", "D" * 500, "E" * 4000)
    wal = path.with_name(path.name + "-wal")
    assert path.stat().st_size < 64 * 1024  # requests never copied their rows into the file
    assert wal.stat().st_size > 1200 * 4000
    box.checkpoint()
    assert path.stat().st_size > 1200 * 4000  # the flusher's checkpoint did
    box.close()
    assert Outbox(path).decision_for("r1199", "h") == "D" * 500


def test_two_outboxes_on_one_file_keep_the_first_decision_of_an_id(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    first, second = Outbox(path), Outbox(path)  # as two server processes open it
    assert first.record("r1", "h", "D-first", "E-first") == "D-first"
    assert second.record("r1", "h", "D-second", "E-second") == "D-first"
    assert second.record("r2", "h", "D2", "E2") == "D2"
    assert first.decision_for("r2", "h") == "D2"
    with pytest.raises(InvalidInputError):
        second.record("r1", "other-payload", "D", "E")
    events = [(p.request_id, p.event) for p in first.pending(10)]
    assert events == [("r1", "E-first"), ("r2", "E2")]
    first.close()
    second.close()


# Records ids 0..n-1 from several threads, each with this process's own decision, and prints
# the decision kept for each id (as JSON).
_RACER = """
import json, sys, threading
from pathlib import Path
from fraudgraph.service.outbox import Outbox

path, label, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
box = Outbox(path)
kept = {}
def write(start):
    for i in range(start, n, 4):
        kept[i] = box.record(f"id-{i}", "h", f"D-{label}", f"E-{label}")
threads = [threading.Thread(target=write, args=(s,)) for s in range(4)]
sys.stdin.readline()  # start together
for t in threads: t.start()
for t in threads: t.join()
box.close()
print(json.dumps(kept))
"""


def test_processes_sharing_the_outbox_agree_on_every_id_and_store_one_event(
    tmp_path: Path,
) -> None:
    path, n = tmp_path / "shared.sqlite", 300
    Outbox(path).close()  # the schema exists before the race
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(path), label, str(n)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for label in ("a", "b")
    ]
    outputs = [r.communicate("go\n", timeout=120)[0] for r in racers]
    assert [r.returncode for r in racers] == [0, 0]
    kept_a, kept_b = (json.loads(o) for o in outputs)
    assert kept_a == kept_b  # both processes answer every id with the same decision
    assert set(kept_a.values()) <= {"D-a", "D-b"}
    box = Outbox(path)
    pending = box.pending(10 * n)
    assert sorted(p.request_id for p in pending) == sorted(f"id-{i}" for i in range(n))
    for event in pending:  # the one stored event is that of the decision both answered
        assert event.decision == kept_a[event.request_id.removeprefix("id-")]
        assert event.event == "E-" + event.decision.removeprefix("D-")
    box.close()
