"""Flagged rings for investigators: the queue, a ring's case file, its picture, a decision.

Reads and the review go through :class:`fraudgraph.rings.ring_store.RingStore`, the store behind
``fraudgraph rings`` and the gRPC ring API, so a decision taken in a notebook lands in the same
append-only audit trail (``:ReviewEvent`` nodes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from neo4j import Driver

from fraudgraph.explore.graph_drawing import GraphDrawing
from fraudgraph.explore.neighbourhood_expander import ExpandLimits, NeighbourhoodExpander
from fraudgraph.explore.subgraph import Subgraph
from fraudgraph.rings.ring_store import RingStore


@dataclass(frozen=True, slots=True)
class RingCase:
    """Everything an investigator needs to decide on one ring."""

    ring_id: str
    status: str
    score: float
    pattern: str
    explanation_en: str
    explanation_zh: str
    members: tuple[dict[str, Any], ...]
    bindings: tuple[dict[str, Any], ...]
    timeline: tuple[tuple[str, str], ...]
    events: tuple[dict[str, Any], ...]
    assignee: str | None = None

    def timeline_rows(self) -> list[dict[str, str]]:
        """The timeline as table rows."""
        return [{"at": at, "what": what} for at, what in self.timeline]


class RingDesk:
    """List, open, draw and review rings."""

    def __init__(self, driver: Driver, database: str) -> None:
        self.store = RingStore(driver, database)
        self._expander = NeighbourhoodExpander(driver, database)

    def queue(
        self, status: str | None = None, min_score: float = 0.0, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Active rings, highest score first (id, status, score, pattern, size, explanation)."""
        fields = ("ring_id", "status", "score", "pattern", "size", "assignee", "explanation_en")
        rings = self.store.list_rings(status.upper() if status else None, min_score, limit)
        return [{f: ring.get(f) for f in fields} for ring in rings]

    def open(self, ring_id: str) -> RingCase:
        """The case file of ``ring_id``: members, binding evidence, timeline, audit trail."""
        got = self.store.get(ring_id)
        ring = got["ring"]
        evidence = json.loads(ring.get("evidence") or "{}")
        timeline = tuple((_when(t), str(text)) for t, text in evidence.get("timeline", []))
        members = sorted(got["members"], key=lambda m: -(m.get("score") or 0.0))
        return RingCase(
            ring_id=ring_id, status=str(ring.get("status", "OPEN")),
            score=float(ring.get("score") or 0.0), pattern=str(ring.get("pattern", "")),
            explanation_en=str(ring.get("explanation_en", "")),
            explanation_zh=str(ring.get("explanation_zh", "")),
            members=tuple(members), bindings=tuple(evidence.get("bindings", [])),
            timeline=timeline, events=tuple(_event(e) for e in got["events"]),
            assignee=ring.get("assignee"),
        )  # fmt: skip

    def subgraph(self, ring_id: str, hops: int = 2, max_nodes: int = 250) -> Subgraph:
        """The ring, its members, what binds them and the members' identifiers."""
        limits = ExpandLimits(hops=hops, max_nodes=max_nodes)
        return self._expander.expand([("Ring", ring_id)], limits)

    def draw(self, ring_id: str, hops: int = 2) -> GraphDrawing:
        """Pictures of the ring (``.interactive()`` and ``.static()``)."""
        case = self.open(ring_id)
        title = f"ring {ring_id} ({case.pattern}, score {case.score:.2f}, {case.status})"
        return GraphDrawing(self.subgraph(ring_id, hops), title)

    def review(
        self, ring_id: str, decision: str, reviewer: str, note: str = "",
        assignee: str | None = None,
    ) -> RingCase:  # fmt: skip
        """Record a decision (IN_REVIEW, CONFIRMED, DISMISSED, ESCALATED, OPEN) with a note."""
        self.store.review(ring_id, decision, reviewer, note, assignee)
        return self.open(ring_id)


def _when(value: Any) -> str:
    """Timeline times are epoch seconds (or already text)."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _event(props: dict[str, Any]) -> dict[str, Any]:
    keys = ("at", "reviewer", "action", "from_status", "to_status", "note")
    return {k: (str(props[k]) if k == "at" and props.get(k) is not None else props.get(k))
            for k in keys}  # fmt: skip
