"""The rule-based fallback scorer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fraudgraph.service.rule_scorer import RuleScorer
from fraudgraph.service.scorer import IdentifierRisk, ScoringFeatures
from fraudgraph.types import Entity, EntityKind


def features(**kw: object) -> ScoringFeatures:
    base: dict[str, object] = {
        "kind": "transaction",
        "record_id": "t1",
        "amount": 100.0,
        "income": 0.0,
        "entities": (),
        "neighbours": {},
    }
    base.update(kw)
    return ScoringFeatures(**base)  # type: ignore[arg-type]


def test_no_signal_is_low_risk() -> None:
    result = RuleScorer().score(features())
    assert result.score < 0.1
    assert [r.code for r in result.reasons] == ["NO_SIGNAL"]
    assert result.ring_id is None


def test_ring_neighbour_gives_its_ring_and_high_score() -> None:
    neighbours = {
        "Account:a": IdentifierRisk(ring_id="r-low", ring_score=0.7),
        "Phone:p": IdentifierRisk(ring_id="r-high", ring_score=0.92),
    }
    result = RuleScorer().score(features(neighbours=neighbours))
    assert result.ring_id == "r-high"
    assert result.score >= 0.9
    assert result.reasons[0].code == "RING_MEMBER"
    assert result.reasons[0].zh
    assert result.reasons[0].en


def test_shared_and_invalid_identifiers_add_up() -> None:
    forged = Entity(EntityKind.ID_NUMBER, "110101199003074478", "110101199003074478", valid=False)
    shared_only = RuleScorer().score(features(neighbours={"Phone:p": IdentifierRisk(links=10)}))
    both = RuleScorer().score(
        features(neighbours={"Phone:p": IdentifierRisk(links=10)}, entities=(forged,))
    )
    assert {r.code for r in both.reasons} == {"SHARED_IDENTIFIER", "INVALID_IDENTIFIER"}
    assert both.score > shared_only.score > 0.3


def test_application_amount_far_above_income() -> None:
    result = RuleScorer().score(features(kind="application", amount=500_000.0, income=10_000.0))
    assert {r.code for r in result.reasons} == {"AMOUNT_OVER_INCOME", "LARGE_AMOUNT"}


@given(
    links=st.integers(0, 500),
    ring_score=st.floats(0, 1),
    amount=st.floats(0.01, 1e12),
    model=st.none() | st.floats(0, 1),
)
def test_score_is_a_probability_and_monotone_in_links(
    links: int, ring_score: float, amount: float, model: float | None
) -> None:
    scorer = RuleScorer()
    risk = IdentifierRisk(links=links, ring_id="r" if ring_score > 0.5 else None,
                          ring_score=ring_score, model_score=model)  # fmt: skip
    more = IdentifierRisk(links=links + 5, ring_id=risk.ring_id, ring_score=ring_score,
                          model_score=model)  # fmt: skip
    a = scorer.score(features(amount=amount, neighbours={"Phone:p": risk})).score
    b = scorer.score(features(amount=amount, neighbours={"Phone:p": more})).score
    assert 0.0 <= a <= b <= 1.0
