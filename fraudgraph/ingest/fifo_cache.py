"""A bounded dictionary that forgets its oldest entries first."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FifoCache(Generic[K, V]):
    """``get``/``put`` in O(1); past ``size`` entries the oldest inserted is dropped.

    Cheaper than an LRU (a hit moves nothing), which suits values that repeat in bursts. An
    ``OrderedDict`` because dropping the oldest key of a plain ``dict`` (``next(iter(d))``) has
    to skip every slot deleted before it: that made each insert O(n) once the cache was full.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def put(self, key: K, value: V) -> None:
        data = self._data
        if key not in data and data and len(data) >= self._size:
            data.popitem(last=False)
        data[key] = value

    def __len__(self) -> int:
        return len(self._data)
