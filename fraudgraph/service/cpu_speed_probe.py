"""How fast this machine's CPU runs Python today, for benchmark reports.

The same code measured on "the same" 2-core machine has needed 500 to 1,000 us of server CPU
per request on different days (the host behind the virtual CPUs changes). A report that
carries a fixed workload's time lets a reader tell a faster day from a faster change.
"""

from __future__ import annotations

import time
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")


class CpuSpeedProbe:
    """A fixed pure-Python workload (dict inserts, string formatting and hashing: the kind of
    work a request handler does), timed on one thread."""

    def __init__(self, items: int = 200_000, rounds: int = 5) -> None:
        self.items = items
        self.rounds = rounds

    def best_ms(self) -> float:
        """The fastest of ``rounds`` runs of the workload, in milliseconds."""
        best = float("inf")
        for _ in range(self.rounds):
            start = time.perf_counter()
            self._work()
            best = min(best, time.perf_counter() - start)
        return round(best * 1000.0, 2)

    def _work(self) -> int:
        table: dict[str, int] = {}
        for i in range(self.items):
            table[f"acct-{i:08d}"] = hash(str(i)) & 0xFF
        return sum(table.values())

    @staticmethod
    def model() -> str | None:
        """The CPU's model name as the kernel reports it (None where it is not readable)."""
        try:
            text = CPUINFO.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        for line in text.splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
        return None
