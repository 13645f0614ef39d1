"""The in-memory identifier -> risk index that keeps the real-time path off Neo4j.

Reads are lock-free dictionary lookups. A refresh builds a new dictionary and swaps it in with
one assignment, so a reader sees either the old index or the new one, never a half-loaded one.
Events the service scores are noted at once (a new party on an identifier adds a link), so the
index does not wait for the outbox flush and the next refresh to see them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping

from fraudgraph.service.scorer import IdentifierRisk


class RiskIndex:
    """Risk of graph keys (``Label:key``), loaded from Neo4j and kept current."""

    def __init__(self, hub_cap: int) -> None:
        self._hub_cap = hub_cap
        self._entries: dict[str, IdentifierRisk] = {}
        self._loaded_at: float | None = None
        self._write_lock = threading.Lock()
        #: Parties noted per key since the last load (parties, not events: one customer using
        #: their own phone a hundred times does not make it shared).
        self._recent_parties: dict[str, set[str]] = {}

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
        return len(self._entries)

    def lookup(self, keys: Iterable[str]) -> dict[str, IdentifierRisk]:
        """The known risk of each key; keys never seen are absent."""
        entries = self._entries
        return {k: entries[k] for k in keys if k in entries}

    def replace_all(self, entries: Mapping[str, IdentifierRisk]) -> None:
        """Swap in a freshly loaded index."""
        with self._write_lock:
            self._entries = dict(entries)
            self._recent_parties = {}
            self._loaded_at = time.monotonic()

    def note_event(self, keys: Iterable[str], party: str) -> None:
        """Count ``party`` as a user of each key, once per key between two loads.

        A party already counted by the last load may be counted once more until the next one:
        the reload puts the graph's exact figure back.
        """
        with self._write_lock:
            entries = self._entries
            for k in set(keys):
                seen = self._recent_parties.setdefault(k, set())
                if party in seen:
                    continue
                seen.add(party)
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
            (k, r) for k, r in self._entries.items()
            if k.startswith(prefix) and (r.ring_id is not None) == ring
        ]  # fmt: skip
        found.sort(key=lambda kr: -(kr[1].ring_score if ring else kr[1].links))
        return found[:limit]
