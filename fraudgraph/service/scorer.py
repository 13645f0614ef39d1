"""The scoring contract of the service: what a scorer sees and what it returns.

A scorer is anything with ``score(features) -> ScoreResult``: the rule-based fallback in
:mod:`fraudgraph.service.rule_scorer`, or an adapter over the GNN stage's promoted model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from fraudgraph.types import Entity, Reason


@dataclass(frozen=True, slots=True)
class IdentifierRisk:
    """What the in-memory index knows about one identifier or account of the graph.

    ``links`` counts the records attached to it, capped at the hub cap (a hub is not followed
    further); ``model_score`` is a node score written by the GNN stage, when there is one.
    """

    links: int = 0
    ring_id: str | None = None
    ring_score: float = 0.0
    model_score: float | None = None
    valid: bool = True


@dataclass(frozen=True, slots=True)
class ScoringFeatures:
    """The bounded neighbourhood of one request, as the scorer sees it."""

    kind: str  # "transaction" or "application"
    record_id: str
    amount: float
    income: float
    entities: tuple[Entity, ...]
    #: Risk of the graph keys the request touches that the index knows.
    neighbours: Mapping[str, IdentifierRisk] = field(default_factory=dict)
    #: Every graph key the request touches (``Label:key``), known or not.
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A scorer's answer: probability of fraud, why, and which model gave it."""

    score: float
    reasons: tuple[Reason, ...]
    model_version: str
    ring_id: str | None = None


class Scorer(Protocol):
    """Anything that scores a request's neighbourhood."""

    @property
    def version(self) -> str:
        """Version string reported in decisions and metrics."""
        ...

    def score(self, features: ScoringFeatures) -> ScoreResult:
        """Probability of fraud of the request described by ``features``."""
        ...
