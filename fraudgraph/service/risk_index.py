"""The in-memory identifier -> risk index that keeps the real-time path off Neo4j.

Reads are lock-free dictionary lookups. A refresh builds a new dictionary and swaps it in with
one assignment, so a reader sees either the old index or the new one, never a half-loaded one.
Events the service scores are noted at once (a new party on an identifier adds a link), so the
index does not wait for the outbox flush and the next refresh to see them.

The entries are spread over :data:`SHARDS` dictionaries by the key's hash. One dictionary of
the whole graph (150k+ keys) grew on the request path as events added keys, and each time it
outgrew its table CPython rebuilt all of it in one step, holding the GIL for 9 to 18 ms
(measured); the server processes, seeing the same traffic, crossed those sizes together. A
shard is a sixty-fourth of that size and so is its rebuild.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping

from fraudgraph.service.scorer import IdentifierRisk

#: Dictionaries the entries are spread over (a power of two: the shard is ``hash & MASK``).
SHARDS = 64
_MASK = SHARDS - 1


class RiskIndex:
    """Risk of graph keys (``Label:key``), loaded from Neo4j and kept current."""

    def __init__(self, hub_cap: int) -> None:
        self._hub_cap = hub_cap
        self._shards: list[dict[str, IdentifierRisk]] = [{} for _ in range(SHARDS)]
        self._loaded_at: float | None = None
        self._write_lock = threading.Lock()
        #: Parties noted per key since the last load (parties, not events: one customer using
        #: their own phone a hundred times does not make it shared); sharded like the entries.
        self._recent_parties: list[dict[str, set[str]]] = [{} for _ in range(SHARDS)]

    @staticmethod
    def key(label: str, key: str) -> str:
        """The index key of the node ``label`` with natural key ``key``."""
        return f"{label}:{key}"

    @property
    def ready(self) -> bool:
        """True once a load from Neo4j has succeeded."""
        return self._loaded_at is not None

    @property
    def age_s(self) -> float | None:
        """Seconds since the last successful load, None before the first."""
        return None if self._loaded_at is None else time.monotonic() - self._loaded_at

    def __len__(self) -> int:
        return sum(len(shard) for shard in self._shards)

    def lookup(self, keys: Iterable[str]) -> dict[str, IdentifierRisk]:
        """The known risk of each key; keys never seen are absent."""
        shards = self._shards
        found = {}
        for k in keys:
            risk = shards[hash(k) & _MASK].get(k)
            if risk is not None:
                found[k] = risk
        return found

    def replace_all(self, entries: Mapping[str, IdentifierRisk]) -> None:
        """Swap in a freshly loaded index."""
        shards: list[dict[str, IdentifierRisk]] = [{} for _ in range(SHARDS)]
        for k, risk in entries.items():
            shards[hash(k) & _MASK][k] = risk
        with self._write_lock:
            self._shards = shards
            self._recent_parties = [{} for _ in range(SHARDS)]
            self._loaded_at = time.monotonic()

    def note_event(self, keys: Iterable[str], party: str) -> None:
        """Count ``party`` as a user of each key, once per key between two loads.

        A party already counted by the last load may be counted once more until the next one:
        the reload puts the graph's exact figure back.
        """
        with self._write_lock:
            shards, recent = self._shards, self._recent_parties
            for k in set(keys):
                shard = hash(k) & _MASK
                seen = recent[shard].setdefault(k, set())
                if party in seen:
                    continue
                seen.add(party)
                entries = shards[shard]
                old = entries.get(k)
                if old is None:
                    entries[k] = IdentifierRisk(links=min(1, self._hub_cap))
                    continue
                links = min(old.links + 1, self._hub_cap)
                if links != old.links:  # a key at the cap already stays as it is
                    entries[k] = IdentifierRisk(
                        links, old.ring_id, old.ring_score, old.model_score, old.valid
                    )

    def riskiest(
        self, label: str, *, ring: bool, limit: int = 5
    ) -> list[tuple[str, IdentifierRisk]]:
        """Keys of ``label`` in a ring, or else the most shared ones; riskiest first."""
        prefix = f"{label}:"
        found = [
            (k, r) for shard in self._shards for k, r in shard.items()
            if k.startswith(prefix) and (r.ring_id is not None) == ring
        ]  # fmt: skip
        found.sort(key=lambda kr: -(kr[1].ring_score if ring else kr[1].links))
        return found[:limit]
