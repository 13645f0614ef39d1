"""Ring detection end to end: export, find, merge, score, keep ids stable, persist."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

from neo4j import Driver

from fraudgraph.rings.flow_ring_finder import FlowRingFinder
from fraudgraph.rings.graph_snapshot import GraphSnapshot, load_snapshot
from fraudgraph.rings.identity_ring_finder import IdentityRingFinder
from fraudgraph.rings.ring_candidate import RingCandidate, node_key
from fraudgraph.rings.ring_matcher import RingEvent, RingMatcher
from fraudgraph.rings.ring_scorer import RingScorer, ScoredRing
from fraudgraph.rings.ring_store import RingStore
from fraudgraph.settings import Settings
from fraudgraph.types import Action

#: Flow patterns whose accounts act as applicants too: their owners' applications join the ring.
WITH_RECORDS = frozenset({"bust_out"})
#: Patterns whose rings take in the collection accounts their accounts pay into.
WITH_COLLECTORS = frozenset({"mule_network"})


@dataclass(frozen=True, slots=True)
class RingConfig:
    """Detection parameters (from :class:`Settings`)."""

    hub_cap: int = 30
    weak_cap: int = 8
    max_size: int = 80
    window_h: float = 96.0
    min_fan: int = 5
    cycle_max_len: int = 8
    match_jaccard: float = 0.3
    review_threshold: float = 0.5
    block_threshold: float = 0.9

    @classmethod
    def from_settings(cls, s: Settings) -> RingConfig:
        """The rings section of the settings."""
        return cls(s.rings_hub_cap, s.rings_weak_cap, s.rings_max_size, s.rings_flow_window_h,
                   s.rings_min_fan, s.rings_cycle_max_len, s.rings_match_jaccard,
                   s.rings_review_threshold, s.rings_block_threshold)  # fmt: skip

    def action(self, score: float) -> Action:
        """What a bank should do with a member of a ring of this score."""
        if score >= self.block_threshold:
            return Action.BLOCK
        return Action.REVIEW if score >= self.review_threshold else Action.ALLOW


@dataclass(slots=True)
class DetectionResult:
    """What a detection run found and wrote."""

    rings: list[tuple[str, ScoredRing, str]] = field(default_factory=list)
    events: list[RingEvent] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    candidates: int = 0
    timings: dict[str, float] = field(default_factory=dict)


class RingDetector:
    """Finds, scores and persists rings."""

    def __init__(self, config: RingConfig, scorer: RingScorer | None = None) -> None:
        self.config = config
        self.scorer = scorer or RingScorer()
        self.identity = IdentityRingFinder(config.hub_cap, config.weak_cap, config.max_size)
        self.flow = FlowRingFinder(config.window_h * 3600.0, config.min_fan, config.cycle_max_len)

    def candidates(self, snapshot: GraphSnapshot) -> list[RingCandidate]:
        """Identity and money-flow candidates, with near-duplicates merged."""
        found = self.identity.find(snapshot)
        if snapshot.transfers is not None and len(snapshot.transfers):
            found = self.flow.add_collectors(snapshot.transfers, found, WITH_COLLECTORS)
            twins = _same_person(snapshot)
            flows = [
                _with_records(c, snapshot, twins) if c.pattern in WITH_RECORDS else c
                for c in self.flow.find(snapshot.transfers, snapshot.owner_of)
            ]
            found += _fold_bursts(found, [c for c in flows if c.pattern in WITH_RECORDS])
            rest = [c for c in flows if c.pattern not in WITH_RECORDS]
            found += _fold_victims(found, rest, snapshot.owner_of)
        return merge_duplicates(found)

    def score(self, snapshot: GraphSnapshot) -> list[ScoredRing]:
        """Scored candidates, highest first."""
        scored = self.scorer.score(self.candidates(snapshot))
        return sorted(scored, key=lambda r: -r.score)

    def detect(
        self, driver: Driver, database: str, *, since: float | None = None
    ) -> DetectionResult:
        """Detect over the graph and persist flagged rings.

        With ``since`` (epoch seconds) only rings touching records newer than that are matched
        and rewritten; the others are left as they are.
        """
        result = DetectionResult()
        began = time.perf_counter()
        snapshot = load_snapshot(driver, database)
        result.timings["export_s"] = time.perf_counter() - began
        scored = self.score(snapshot)
        result.candidates = len(scored)
        flagged = [r for r in scored if r.score >= self.config.review_threshold]
        result.timings["detect_s"] = time.perf_counter() - began - result.timings["export_s"]
        store = RingStore(driver, database)
        store.init_schema()
        existing = store.active_rings()
        if since is not None:
            flagged, existing = _touched_only(snapshot, since, flagged, existing)
        match = RingMatcher(self.config.match_jaccard).match(
            existing, [r.candidate.members for r in flagged]
        )
        result.rings = [
            (rid, ring, self.config.action(ring.score).value)
            for rid, ring in zip(match.ids, flagged, strict=True)
        ]
        result.events, result.retired = match.events, match.retired
        store.save(result.rings, result.events)
        store.deactivate(match.retired)
        result.timings["total_s"] = time.perf_counter() - began
        return result


def _with_records(
    cand: RingCandidate, snapshot: GraphSnapshot, twins: dict[str, set[str]]
) -> RingCandidate:
    """The owners' applications, and the other customer records of the same persons."""
    customers = {m.removeprefix("Customer:") for m in cand.members if m.startswith("Customer:")}
    customers |= {twin for c in customers for twin in twins.get(c, ())}
    members = set(cand.members)
    for customer in customers:
        members.add(node_key("Customer", customer))
        records = snapshot.records_of.get(customer, ())
        # Applications only: the owner's other accounts took no part in the flow.
        members.update(r for r in records if r.startswith("Application:"))
    return replace(cand, members=frozenset(members))


def _same_person(snapshot: GraphSnapshot, most: int = 3) -> dict[str, set[str]]:
    """Customer records carrying the same ID number (one person registered more than once)."""
    links = snapshot.links
    holders: dict[str, set[str]] = defaultdict(set)
    for customer, kind, key in zip(links.customers, links.kinds, links.keys, strict=True):
        if kind == "IdNumber":
            holders[key].add(customer)
    twins: dict[str, set[str]] = defaultdict(set)
    for group in holders.values():
        if 2 <= len(group) <= most:
            for customer in group:
                twins[customer] |= group - {customer}
    return twins


def _fold_victims(
    hosts: list[RingCandidate], flows: list[RingCandidate], owner_of: dict[str, str]
) -> list[RingCandidate]:
    """Fold fan-ins into the accounts of a mule network or bust-out into that ring as evidence.

    The payers of a mule's collection account (or of another account of the same owner) are
    usually its victims, not ring members: the
    transfers (and the money) count for the ring, the payers do not join it. ``hosts`` is
    updated in place; the flows not folded are returned.
    """
    mule_ring = {
        member: n
        for n, cand in enumerate(hosts)
        if cand.pattern in {"mule_network", "bust_out"}
        for member in cand.members
        if member.startswith(("Account:", "Customer:"))
    }
    rest = []
    for cand in flows:
        hub = cand.bindings[0].key if cand.bindings else ""
        owner = node_key("Customer", owner_of.get(hub, ""))
        n = mule_ring.get(node_key("Account", hub), mule_ring.get(owner))
        if cand.pattern != "fan_in" or n is None:
            rest.append(cand)
            continue
        hosts[n] = _absorb(hosts[n], cand)
    return rest


def _fold_bursts(hosts: list[RingCandidate], bursts: list[RingCandidate]) -> list[RingCandidate]:
    """Fold spending bursts made by the accounts of one mule network into that ring.

    Mules emptying their accounts is the network's own cash-out, not a bust-out ring of its
    own. ``hosts`` is updated in place; the bursts not folded are returned.
    """
    mule_ring = {
        member: n
        for n, cand in enumerate(hosts)
        if cand.pattern == "mule_network"
        for member in cand.members
        if member.startswith("Account:")
    }
    rest = []
    for cand in bursts:
        rings = {mule_ring.get(m, -1) for m in cand.members if m.startswith("Account:")}
        if len(rings) != 1 or -1 in rings:
            rest.append(cand)
            continue
        n = rings.pop()
        hosts[n] = _absorb(hosts[n], cand)
    return rest


def _absorb(ring: RingCandidate, cand: RingCandidate) -> RingCandidate:
    """``ring`` with ``cand``'s money, transfers and hub as evidence (not its members)."""
    return replace(
        ring,
        bindings=(*ring.bindings, cand.bindings[0]) if cand.bindings else ring.bindings,
        amount=ring.amount + cand.amount,
        links=ring.links + cand.links,
        timeline=sorted(ring.timeline + cand.timeline)[:50],
    )


def _touched_only(
    snapshot: GraphSnapshot,
    since: float,
    flagged: list[ScoredRing],
    existing: dict[str, frozenset[str]],
) -> tuple[list[ScoredRing], dict[str, frozenset[str]]]:
    touched = {key for key, at in snapshot.record_at.items() if at >= since}
    for customer, records in snapshot.records_of.items():
        if touched.intersection(records):
            touched.add(node_key("Customer", customer))
    kept = [r for r in flagged if r.candidate.members & touched]
    reach = set(touched).union(*(r.candidate.members for r in kept))
    return kept, {rid: m for rid, m in existing.items() if m & reach}


def merge_duplicates(cands: list[RingCandidate], min_jaccard: float = 0.5) -> list[RingCandidate]:
    """Merge candidates found by several detectors (e.g. a mule network seen twice)."""
    kept: list[RingCandidate] = []
    index: dict[str, list[int]] = defaultdict(list)
    for cand in sorted(cands, key=lambda c: -len(c.members)):
        shared: dict[int, int] = defaultdict(int)
        for m in cand.members:
            for k in index.get(m, ()):
                shared[k] += 1
        best = max(shared.items(), key=lambda kv: kv[1], default=(-1, 0))
        if best[0] >= 0 and best[1] / len(kept[best[0]].members | cand.members) >= min_jaccard:
            kept[best[0]] = _union(kept[best[0]], cand)
            target = best[0]
        else:
            kept.append(cand)
            target = len(kept) - 1
        for m in cand.members:
            index[m].append(target)
    return kept


def _union(a: RingCandidate, b: RingCandidate) -> RingCandidate:
    return replace(
        a,
        members=a.members | b.members,
        bindings=a.bindings + tuple(x for x in b.bindings if x not in a.bindings),
        first_seen=min(a.first_seen, b.first_seen) if b.first_seen else a.first_seen,
        last_seen=max(a.last_seen, b.last_seen),
        amount=a.amount + b.amount,
        links=a.links + b.links,
        timeline=sorted(a.timeline + b.timeline)[:50],
    )
