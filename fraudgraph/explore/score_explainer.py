"""Why a customer scores what it scores: the service's rule scorer, leave-one-out.

The customer's neighbourhood is read as the real-time service sees it (identifiers with the
number of parties sharing them, ring membership, invalid identifiers, amounts) and scored with
:class:`fraudgraph.service.rule_scorer.RuleScorer`, the scorer the service falls back to. Each
identifier, and each neighbouring customer, is then left out in turn: the drop in the score is
what it contributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver

from fraudgraph.errors import NotFoundError
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ExploreQueries
from fraudgraph.service.rule_scorer import RuleScorer
from fraudgraph.service.scorer import IdentifierRisk, ScoreResult, ScoringFeatures
from fraudgraph.types import Entity, EntityKind, Reason

ENTITY_KINDS: dict[str, EntityKind] = {
    "Phone": EntityKind.PHONE, "Email": EntityKind.EMAIL, "IdNumber": EntityKind.ID_NUMBER,
    "BankCard": EntityKind.BANK_CARD, "Device": EntityKind.DEVICE, "IP": EntityKind.IP,
    "Address": EntityKind.ADDRESS, "Organization": EntityKind.ORGANIZATION,
    "Person": EntityKind.PERSON, "Uscc": EntityKind.USCC,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class IdentifierFact:
    """One identifier of the customer's records and who else uses it."""

    label: str
    key: str
    valid: bool
    model_score: float | None
    via: tuple[str, ...]
    others: tuple[str, ...]
    sharing: int

    @property
    def id(self) -> str:
        return f"{self.label}:{self.key}"


@dataclass(frozen=True, slots=True)
class Contribution:
    """How much the score drops when ``item`` (an identifier or a customer) is left out."""

    item: str
    kind: str  # "identifier", "customer" or "ring"
    delta: float
    detail: str


@dataclass(frozen=True, slots=True)
class ScoreExplanation:
    """A customer's score, its reasons, and what drives it (largest contribution first)."""

    customer_id: str
    score: float
    model_version: str
    reasons: tuple[Reason, ...]
    ring_id: str | None
    identifiers: tuple[IdentifierFact, ...]
    contributions: tuple[Contribution, ...] = field(default=())

    def top(self, n: int = 10) -> list[Contribution]:
        """The ``n`` largest contributions."""
        return list(self.contributions[:n])

    def rows(self) -> list[dict[str, Any]]:
        """Contributions as table rows (for pandas)."""
        return [
            {"item": c.item, "kind": c.kind, "score_drop": round(c.delta, 4), "detail": c.detail}
            for c in self.contributions
        ]


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    """What the explainer reads about one customer from the graph."""

    customer_id: str
    identifiers: tuple[IdentifierFact, ...]
    rings: Mapping[str, tuple[str, float]]  # customer id -> strongest live ring (id, score)
    amount: float
    income: float


class ScoreExplainer:
    """Explains a customer's rule score from its neighbourhood in Neo4j."""

    def __init__(self, driver: Driver, database: str, hub_cap: int = 200) -> None:
        self._driver = driver
        self._database = database
        self._hub_cap = hub_cap
        self._scorer = RuleScorer()

    def explain(self, customer_id: str) -> ScoreExplanation:
        """Score ``customer_id`` and rank what drives the score."""
        facts = self._facts(customer_id)
        base = self.score(facts)
        contributions = [
            Contribution(f.id, "identifier", base.score - self.score(facts, drop_key=f.id).score,
                         f"shared with {f.sharing} other customer(s); valid={f.valid}")
            for f in facts.identifiers
        ]  # fmt: skip
        for ring_id, ring_score in sorted(set(facts.rings.values())):
            delta = base.score - self.score(facts, drop_ring=ring_id).score
            whose = sorted(c for c, r in facts.rings.items() if r[0] == ring_id)
            detail = f"ring score {ring_score:.2f}; members here: {', '.join(whose)}"
            contributions.append(Contribution(f"Ring:{ring_id}", "ring", delta, detail))
        neighbours = sorted({o for f in facts.identifiers for o in f.others})
        for other in neighbours:
            shared = [f.id for f in facts.identifiers if other in f.others]
            ring = facts.rings.get(other)
            detail = f"shares {', '.join(shared)}" + (f"; in ring {ring[0]}" if ring else "")
            delta = base.score - self.score(facts, drop_customer=other).score
            contributions.append(Contribution(f"Customer:{other}", "customer", delta, detail))
        contributions.sort(key=lambda c: (-c.delta, c.kind, c.item))
        return ScoreExplanation(
            customer_id, base.score, base.model_version, base.reasons, base.ring_id,
            facts.identifiers, tuple(contributions),
        )  # fmt: skip

    def score(
        self,
        facts: CustomerFacts,
        *,
        drop_key: str | None = None,
        drop_customer: str | None = None,
        drop_ring: str | None = None,
    ) -> ScoreResult:
        """The rule score of ``facts``, without one identifier, one neighbour or one ring."""
        feats = features(facts, self._hub_cap, drop_key, drop_customer, drop_ring)
        return self._scorer.score(feats)

    def identifiers(self, customer_id: str) -> tuple[IdentifierFact, ...]:
        """Identifiers of the customer's records, most shared first; NotFoundError if unknown."""
        if not self._run(ExploreQueries.CUSTOMERS_BY_ID, ids=[customer_id]):
            raise NotFoundError(f"no customer {customer_id!r}")
        rows = self._run(ExploreQueries.CUSTOMER_IDENTIFIERS, customer_id=customer_id,
                         scan=10 * self._hub_cap, cap=self._hub_cap)  # fmt: skip
        return tuple(
            IdentifierFact(str(r["label"]), str(r["key"]), bool(r["valid"]),
                           None if r["model_score"] is None else float(r["model_score"]),
                           tuple(r["via"]), tuple(r["others"]), int(r["sharing"]))
            for r in rows
        )  # fmt: skip

    def _facts(self, customer_id: str) -> CustomerFacts:
        identifiers = self.identifiers(customer_id)
        people = [customer_id, *sorted({o for f in identifiers for o in f.others})]
        rings: dict[str, tuple[str, float]] = {}
        for r in self._run(ExploreQueries.CUSTOMER_RINGS, ids=people):
            cid, ring = str(r["customer_id"]), (str(r["ring_id"]), float(r["score"] or 0.0))
            if cid not in rings or ring[1] > rings[cid][1]:
                rings[cid] = ring
        latest = self._run(ExploreQueries.LATEST_APPLICATION, customer_id=customer_id)
        amount = float(latest[0]["amount"]) if latest else 0.0
        income = float(latest[0]["income"]) if latest else 0.0
        return CustomerFacts(customer_id, identifiers, rings, amount, income)

    def _run(self, query: str, **params: Any) -> list[Any]:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(query, params, database_=self._database)
        return list(records)


def features(
    facts: CustomerFacts,
    hub_cap: int,
    drop_key: str | None = None,
    drop_customer: str | None = None,
    drop_ring: str | None = None,
) -> ScoringFeatures:
    """What the service's scorer would see for this customer (less what is dropped).

    Dropping a ring removes it from everyone, the customer and the neighbours: ring evidence
    usually reaches a customer along several paths, so leaving out one path changes nothing.
    """
    rings = {c: r for c, r in facts.rings.items() if r[0] != drop_ring}
    neighbours: dict[str, IdentifierRisk] = {}
    entities: list[Entity] = []
    for f in facts.identifiers:
        if f.id == drop_key:
            continue
        others = [o for o in f.others if o != drop_customer]
        ring = _strongest(rings.get(o) for o in others)
        neighbours[f.id] = IdentifierRisk(
            links=min(1 + f.sharing - (len(f.others) - len(others)), hub_cap),
            ring_id=ring[0] if ring else None, ring_score=ring[1] if ring else 0.0,
            model_score=f.model_score, valid=f.valid,
        )  # fmt: skip
        if not f.valid and f.label in ENTITY_KINDS:
            entities.append(Entity(ENTITY_KINDS[f.label], f.key, f.key, valid=False))
    own = rings.get(facts.customer_id)
    if own is not None:
        neighbours[f"Customer:{facts.customer_id}"] = IdentifierRisk(1, own[0], own[1])
    return ScoringFeatures(
        "application", facts.customer_id, facts.amount, facts.income, tuple(entities),
        neighbours, tuple(neighbours),
    )  # fmt: skip


def _strongest(rings: Iterable[tuple[str, float] | None]) -> tuple[str, float] | None:
    return max((r for r in rings if r is not None), key=lambda r: r[1], default=None)
