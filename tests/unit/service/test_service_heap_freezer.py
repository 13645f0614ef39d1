"""HeapFreezer moves survivors out of the cyclic collector's sight, on its timer."""

from __future__ import annotations

import gc
import time
import weakref

from fraudgraph.service.heap_freezer import HeapFreezer


class _Entry:
    """A long-lived object the server keeps (an index entry, a cached finding)."""


def test_survivors_are_frozen_on_the_timer_and_still_freed_by_refcount() -> None:
    freezer = HeapFreezer(interval_s=0.05)
    try:
        gc.unfreeze()
        assert gc.get_freeze_count() == 0
        kept = [_Entry() for _ in range(5000)]  # long-lived objects created while serving
        watch = weakref.ref(kept[0])
        freezer.start()
        deadline = time.monotonic() + 10
        while freezer.freezes < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert freezer.freezes >= 2
        frozen = gc.get_freeze_count()
        assert frozen >= len(kept)  # out of every generation the collector scans
        assert all(len(gen) < frozen for gen in (gc.get_objects(g) for g in range(3)))
        del kept  # reference counting still frees frozen objects
        assert watch() is None
    finally:
        freezer.stop()
        gc.unfreeze()
    assert freezer._thread is not None
    assert not freezer._thread.is_alive()


def test_freeze_now_freezes_at_once() -> None:
    freezer = HeapFreezer(interval_s=3600)
    try:
        gc.unfreeze()
        survivors = [[i] for i in range(1000)]
        freezer.freeze_now()
        assert freezer.freezes == 1
        assert gc.get_freeze_count() >= len(survivors)
    finally:
        gc.unfreeze()
