"""Adapter from the GNN stage's promoted model to the service's :class:`Scorer` protocol.

The GNN stage scores node ids of its in-memory graph (``fraudgraph.gnn.inference.
SubgraphScorer``: a capped k-hop subgraph, one forward pass). This adapter maps the graph keys
of a request's neighbourhood (``Account:AC1``, ``Device:dev-9``...) to those node ids, scores
the ones the model knows, and keeps the rule-based reasons so every decision stays explainable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from fraudgraph.service.reason_catalog import ReasonCatalog
from fraudgraph.service.rule_scorer import RuleScorer
from fraudgraph.service.scorer import ScoreResult, ScoringFeatures


class NodeScorer(Protocol):
    """What the adapter needs from the GNN stage: probabilities of node ids."""

    def score_nodes(self, node_ids: Sequence[int]) -> Sequence[float]:
        """Fraud probability of each node id."""
        ...


class GnnScorer:
    """Scores a request as the riskiest model score among its known neighbours.

    Requests whose neighbours the model has never seen get the rule-based score: a new
    customer is not suspicious for being new.
    """

    def __init__(self, nodes: NodeScorer, node_index: Mapping[str, int], version: str) -> None:
        self._nodes = nodes
        self._index = node_index
        self._version = version
        self._rules = RuleScorer()

    @property
    def version(self) -> str:
        """The registry version of the model."""
        return self._version

    def score(self, features: ScoringFeatures) -> ScoreResult:
        """Model score of the neighbourhood, combined with the rule-based signals."""
        rules = self._rules.score(features)
        known = sorted({self._index[k] for k in features.keys if k in self._index})
        if not known:
            return ScoreResult(rules.score, rules.reasons, self._version, rules.ring_id)
        model = max(float(p) for p in self._nodes.score_nodes(known))
        score = max(model, rules.score)
        reasons = rules.reasons
        if model >= 0.5:
            others = [r for r in reasons if r.code not in {"NO_SIGNAL", "HIGH_RISK_NEIGHBOUR"}]
            reasons = (ReasonCatalog.HIGH_RISK_NEIGHBOUR, *others)
        return ScoreResult(round(score, 6), reasons, self._version, rules.ring_id)


class NodeScoreTable:
    """Node scores computed ahead of time (one value per node id), looked up per request."""

    def __init__(self, scores: Sequence[float]) -> None:
        self._scores = list(scores)

    def score_nodes(self, node_ids: Sequence[int]) -> Sequence[float]:
        """The stored probability of each node id."""
        scores = self._scores
        return [scores[n] for n in node_ids]
