"""Each server process on a share of the CPUs of its own.

A server process's threads (gRPC's completion-queue thread, the RPC workers, the outbox's
group commit) hand the GIL to each other on every message. Left to the scheduler, these hand-
overs wake threads on the other core as often as not, and the busy server processes migrate
between cores. Bound to one core each (two processes on this 2-core machine), the
benchmark's client p99 went from 15.4, 33.4 and 17.3 ms to 7.7, 9.4 and 8.4 ms (paired
runs; server p99 4.5-7.0 to 2.1-2.6 ms), at about the same CPU per request.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

_TASKS = Path("/proc/self/task")


class CpuShares:
    """Splits the CPUs among server processes and binds a process to its share."""

    @staticmethod
    def split(cpus: Sequence[int], parts: int) -> list[tuple[int, ...]]:
        """``parts`` disjoint, near-equal shares of ``cpus`` (shared round-robin if too few)."""
        if parts < 1:
            raise ValueError("parts must be at least 1")
        ordered = sorted(set(cpus))
        if not ordered:
            return [() for _ in range(parts)]
        if len(ordered) < parts:  # more processes than CPUs: they take turns on each
            return [(ordered[i % len(ordered)],) for i in range(parts)]
        return [tuple(ordered[i::parts]) for i in range(parts)]

    @staticmethod
    def available() -> list[int]:
        """The CPUs this process may run on (its affinity, e.g. a container's cpuset)."""
        if not hasattr(os, "sched_getaffinity"):
            return []
        return sorted(os.sched_getaffinity(0))

    @staticmethod
    def bind(cpus: Sequence[int]) -> bool:
        """Bind every thread of this process (and so the threads they start) to ``cpus``.

        Every thread, not only the caller: importing gRPC already started threads of its
        own. Returns False where affinity cannot be set (not Linux, or an empty share).
        """
        if not cpus or not hasattr(os, "sched_setaffinity"):
            return False
        targets = [int(t.name) for t in _TASKS.iterdir()] if _TASKS.is_dir() else [0]
        for tid in targets:
            try:
                os.sched_setaffinity(tid, cpus)
            except ProcessLookupError:  # a thread that ended meanwhile
                continue
        return True
