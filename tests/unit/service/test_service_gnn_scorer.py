"""The adapter from the GNN stage's node scores to the service's scorer protocol."""

from __future__ import annotations

from collections.abc import Sequence

from fraudgraph.service.gnn_scorer import GnnScorer
from fraudgraph.service.scorer import IdentifierRisk, ScoringFeatures


class TableScorer:
    """Node scores from a table, recording what was asked."""

    def __init__(self, scores: dict[int, float]) -> None:
        self.scores = scores
        self.asked: list[list[int]] = []

    def score_nodes(self, node_ids: Sequence[int]) -> Sequence[float]:
        self.asked.append(list(node_ids))
        return [self.scores[n] for n in node_ids]


def _features(keys: tuple[str, ...], **kw: object) -> ScoringFeatures:
    return ScoringFeatures("transaction", "t", 10.0, 0.0, (), keys=keys, **kw)  # type: ignore[arg-type]


def test_riskiest_known_neighbour_decides() -> None:
    nodes = TableScorer({0: 0.1, 1: 0.93, 2: 0.2})
    index = {"Account:A": 0, "Device:d": 1, "Phone:p": 2}
    scorer = GnnScorer(nodes, index, "v0003")
    result = scorer.score(_features(("Account:A", "Device:d", "Account:unknown")))
    assert nodes.asked == [[0, 1]]
    assert result.score == 0.93
    assert result.model_version == "v0003"
    assert [r.code for r in result.reasons] == ["HIGH_RISK_NEIGHBOUR"]


def test_unknown_neighbourhood_falls_back_to_rules_but_keeps_version() -> None:
    nodes = TableScorer({})
    ring = {"Account:B": IdentifierRisk(ring_id="R-2", ring_score=0.9)}
    result = GnnScorer(nodes, {}, "v0003").score(_features(("Account:B",), neighbours=ring))
    assert nodes.asked == []
    assert result.ring_id == "R-2"
    assert result.score >= 0.9
    assert result.model_version == "v0003"
