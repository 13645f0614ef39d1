"""What the ring service reads from the graph, before it becomes protos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RingSummary:
    """One ring in a list."""

    ring_id: str
    status: str  # OPEN, IN_REVIEW, CONFIRMED, DISMISSED, ESCALATED
    score: float
    member_count: int
    pattern: str = ""
    explanation_en: str = ""
    explanation_zh: str = ""


@dataclass(frozen=True, slots=True)
class RingEvent:
    """One dated event of a ring's timeline."""

    at: datetime | None
    kind: str
    description: str


@dataclass(frozen=True, slots=True)
class RingDetail:
    """A ring with its members, the identifiers they share, and its history."""

    summary: RingSummary
    members: tuple[tuple[str, str], ...]  # (label, key)
    evidence: tuple[tuple[str, str, int], ...]  # (label, key, members sharing it)
    timeline: tuple[RingEvent, ...]
