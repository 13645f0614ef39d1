"""Keeps the cyclic garbage collector's full collections off the request path.

A server process keeps many long-lived objects that grow while it serves: the entries events
add to the risk index, and the identifier cache's findings (up to 131,072). CPython's cyclic
collector rescans all of them in every full (generation 2) collection; measured in the serving
benchmark, those took 40 and 85 ms, holding the GIL, in both server processes at the same
moments (they see the same traffic), and found nothing to free (0 objects collected).

``gc.freeze()`` moves every object alive now into a permanent generation the collector never
scans; it costs a few list splices. Done every ``interval_s``, the full collections only ever
see the last interval's survivors. Frozen objects are still freed by reference counting when
the last reference goes; only a reference *cycle* frozen before it became garbage would be kept,
and the request path makes none (the collections above found none to free).
"""

from __future__ import annotations

import gc

from fraudgraph.service.background_worker import BackgroundWorker


class HeapFreezer(BackgroundWorker):
    """Calls ``gc.freeze()`` every ``interval_s`` seconds in a daemon thread."""

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self.freezes = 0
        super().__init__("heap-freezer")

    def freeze_now(self) -> None:
        """Freeze everything alive now."""
        gc.freeze()
        self.freezes += 1

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.freeze_now()
