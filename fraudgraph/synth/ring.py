"""A planted fraud ring or a benign sharing group, as written to the ground-truth files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FRAUD_PATTERNS = (
    "synthetic_identity",
    "device_burst",
    "ip_burst",
    "mule_network",
    "fan_in",
    "fan_out",
    "cycle",
    "scatter_gather",
    "gather_scatter",
    "bust_out",
)
BENIGN_PATTERNS = ("family", "large_employer", "public_wifi", "company_phone")
# Code 0 means "no pattern" in the integer label columns; fraud patterns are 1-based.
PATTERN_CODE = {name: code for code, name in enumerate(FRAUD_PATTERNS, start=1)}


def pattern_name(code: int) -> str | None:
    """The fraud pattern of an integer label code (None for 0)."""
    return FRAUD_PATTERNS[code - 1] if code else None


@dataclass(slots=True)
class Ring:
    """Members, binding identifiers and time span of one ring or benign group."""

    ring_id: str
    pattern: str
    members: list[tuple[str, str]] = field(default_factory=list)
    shared: list[tuple[str, str]] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None

    def add_member(self, node_type: str, node_id: str) -> None:
        """Add a (node_type, id) member."""
        self.members.append((node_type, node_id))

    def share(self, kind: str, value: str) -> None:
        """Record an identifier binding the members, once."""
        if value and (kind, value) not in self.shared:
            self.shared.append((kind, value))

    def widen(self, moment: datetime) -> None:
        """Stretch the time span to include ``moment``."""
        if self.start is None or moment < self.start:
            self.start = moment
        if self.end is None or moment > self.end:
            self.end = moment

    def to_json(self) -> dict[str, Any]:
        """The record of rings.jsonl / benign_groups.jsonl."""
        return {
            "ring_id": self.ring_id,
            "pattern": self.pattern,
            "members": [{"node_type": t, "id": i} for t, i in self.members],
            "shared": [{"kind": k, "value": v} for k, v in self.shared],
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
        }
