"""What the console needs from the rings stage: a protocol, so that pages can be tested alone."""

from __future__ import annotations

from typing import Any, Protocol

#: (identifier kind, identifier key, member key) and (source, target, kind) edges.
BindingEdge = tuple[str, str, str]
MemberEdge = tuple[str, str, str]


class RingDesk(Protocol):
    """Reads rings and records reviews (``Neo4jRingDesk`` is the real one)."""

    def list_rings(
        self, status: str | None = None, min_score: float = 0.0, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Active rings, highest score first (``RingStore.list_rings``)."""
        ...

    def get(self, ring_id: str) -> dict[str, Any]:
        """A ring, its members and audit trail (``RingStore.get``); NotFoundError if unknown."""
        ...

    def review(
        self,
        ring_id: str,
        decision: str,
        reviewer: str,
        note: str = "",
        assignee: str | None = None,
    ) -> str:
        """Record a decision (``RingStore.review``); returns the previous status."""
        ...

    def edges(self, ring_id: str) -> tuple[list[BindingEdge], list[MemberEdge]]:
        """The edges of the ring's drawing: identifier-member and member-member links."""
        ...
