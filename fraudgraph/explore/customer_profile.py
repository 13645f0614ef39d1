"""A customer's identity card as the graph knows it."""

from __future__ import annotations

from dataclasses import dataclass

from fraudgraph.explore.score_explainer import IdentifierFact


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """Name and identifiers of one customer (identifiers most shared first)."""

    customer_id: str
    name: str
    identifiers: tuple[IdentifierFact, ...]

    def keys(self, label: str) -> list[str]:
        """Keys of the identifiers with ``label`` (``Phone``, ``IdNumber``...)."""
        return [f.key for f in self.identifiers if f.label == label]

    @property
    def phones(self) -> list[str]:
        return self.keys("Phone")

    @property
    def id_numbers(self) -> list[str]:
        return self.keys("IdNumber")

    def rows(self) -> list[dict[str, object]]:
        """Identifiers as table rows."""
        return [
            {"label": f.label, "key": f.key, "valid": f.valid, "via": ", ".join(f.via),
             "other_customers": f.sharing, "examples": ", ".join(f.others[:5])}
            for f in self.identifiers
        ]  # fmt: skip
