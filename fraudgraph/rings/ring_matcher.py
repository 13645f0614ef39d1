"""Stable ring identity: new candidates inherit the id of the ring they overlap most.

Candidates and existing rings are paired greedily by member Jaccard (highest first). A
candidate that also swallows most of another existing ring records a merge; an existing ring
whose members now fall into several candidates keeps its id on the best match and records a
split on the others. Unmatched candidates get a fresh id derived from their members.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RingEvent:
    """A lifecycle event of a ring recorded in its audit trail (reviewer ``fraudgraph``)."""

    ring_id: str
    action: str  # DETECTED, UPDATED, MERGED, SPLIT, RETIRED
    note: str


@dataclass(slots=True)
class MatchResult:
    """Ring id for each candidate (by position), lifecycle events, rings no longer found."""

    ids: list[str] = field(default_factory=list)
    events: list[RingEvent] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def new_ring_id(members: frozenset[str]) -> str:
    """A deterministic id for a ring first seen with ``members``."""
    digest = hashlib.sha1("\n".join(sorted(members)).encode(), usedforsecurity=False)
    return f"RING-{digest.hexdigest()[:12].upper()}"


class RingMatcher:
    """Matches candidates to existing rings by member overlap."""

    def __init__(self, min_jaccard: float = 0.3, absorb_share: float = 0.5) -> None:
        self.min_jaccard = min_jaccard
        self.absorb_share = absorb_share

    def match(
        self, existing: Mapping[str, frozenset[str]], candidates: Sequence[frozenset[str]]
    ) -> MatchResult:
        """Assign ids to ``candidates`` given the ``existing`` rings' members."""
        overlaps = _overlaps(existing, candidates)
        result = MatchResult(ids=[""] * len(candidates))
        taken: set[str] = set()
        pairs = sorted(
            (
                (inter / len(candidates[c] | existing[r]), c, r)
                for (c, r), inter in overlaps.items()
            ),
            reverse=True,
        )
        for jac, cand, ring in pairs:
            if jac < self.min_jaccard or result.ids[cand] or ring in taken:
                continue
            result.ids[cand] = ring
            taken.add(ring)
            result.events.append(RingEvent(ring, "UPDATED", f"member overlap {jac:.2f}"))
        self._new_ids(result, candidates, overlaps, existing)
        self._merges(result, overlaps, existing, taken)
        return result

    def _new_ids(
        self,
        result: MatchResult,
        candidates: Sequence[frozenset[str]],
        overlaps: Mapping[tuple[int, str], int],
        existing: Mapping[str, frozenset[str]],
    ) -> None:
        for cand, members in enumerate(candidates):
            if result.ids[cand]:
                continue
            ring_id = new_ring_id(members)
            result.ids[cand] = ring_id
            parents = [r for (c, r), n in overlaps.items() if c == cand and n > 0]
            if parents:
                note = f"split from {', '.join(sorted(parents))}"
                result.events.append(RingEvent(ring_id, "SPLIT", note))
            else:
                result.events.append(RingEvent(ring_id, "DETECTED", f"{len(members)} members"))

    def _merges(
        self,
        result: MatchResult,
        overlaps: Mapping[tuple[int, str], int],
        existing: Mapping[str, frozenset[str]],
        taken: set[str],
    ) -> None:
        for ring, members in existing.items():
            if ring in taken:
                continue
            best = max(((n, c) for (c, r), n in overlaps.items() if r == ring), default=(0, -1))
            if best[0] >= self.absorb_share * len(members):
                into = result.ids[best[1]]
                result.events.append(RingEvent(into, "MERGED", f"absorbed {ring}"))
                result.events.append(RingEvent(ring, "MERGED", f"merged into {into}"))
            else:
                result.events.append(RingEvent(ring, "RETIRED", "no longer detected"))
            result.retired.append(ring)


def _overlaps(
    existing: Mapping[str, frozenset[str]], candidates: Sequence[frozenset[str]]
) -> dict[tuple[int, str], int]:
    """Shared member counts for every (candidate, ring) pair that shares any member."""
    ring_of: dict[str, list[str]] = defaultdict(list)
    for ring, members in existing.items():
        for member in members:
            ring_of[member].append(ring)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for cand, members in enumerate(candidates):
        for member in members:
            for ring in ring_of.get(member, ()):
                counts[(cand, ring)] += 1
    return dict(counts)
