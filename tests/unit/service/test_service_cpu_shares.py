"""Splitting the CPUs among server processes, and binding a process with all its threads."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fraudgraph.service.cpu_shares import CpuShares


def test_shares_are_disjoint_and_cover_the_cpus() -> None:
    assert CpuShares.split([0, 1], 2) == [(0,), (1,)]
    assert CpuShares.split([3, 1, 2, 0, 5, 4, 6], 3) == [(0, 3, 6), (1, 4), (2, 5)]
    assert CpuShares.split([0, 1, 2, 3], 1) == [(0, 1, 2, 3)]


def test_more_processes_than_cpus_take_turns() -> None:
    assert CpuShares.split([0, 1], 3) == [(0,), (1,), (0,)]
    assert CpuShares.split([], 2) == [(), ()]
    with pytest.raises(ValueError, match="at least 1"):
        CpuShares.split([0], 0)


_PROBE = """
import os, sys, threading
from pathlib import Path
from fraudgraph.service.cpu_shares import CpuShares
cpu = int(sys.argv[1])
# A thread started before the bind, as gRPC's own may be: it must be moved too.
release, seen = threading.Event(), []
def before():
    release.wait(30)
    seen.append(sorted(os.sched_getaffinity(0)))
early = threading.Thread(target=before); early.start()
assert CpuShares.bind([cpu])
release.set(); early.join()
print("early", seen[0])
later = threading.Thread(target=lambda: print("later", sorted(os.sched_getaffinity(0))))
later.start(); later.join()
tasks = list(Path("/proc/self/task").iterdir())
print("tasks", sorted({c for t in tasks for c in os.sched_getaffinity(int(t.name))}))
"""


def test_bind_moves_every_thread_and_new_threads_inherit_it() -> None:
    cpu = CpuShares.available()[-1]
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(cpu)], capture_output=True, text=True, timeout=60,
        check=True,
    )  # fmt: skip
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["early"] == f"[{cpu}]"  # a thread that was already running
    assert lines["later"] == f"[{cpu}]"  # a thread started afterwards
    assert lines["tasks"] == f"[{cpu}]"


def test_an_empty_share_binds_nothing() -> None:
    assert CpuShares.bind([]) is False
