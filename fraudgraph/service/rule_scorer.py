"""The rule-based scorer: what the service uses when no GNN model is promoted."""

from __future__ import annotations

from collections.abc import Iterable

from fraudgraph.service.reason_catalog import ReasonCatalog
from fraudgraph.service.scorer import IdentifierRisk, ScoreResult, ScoringFeatures
from fraudgraph.types import Reason

VERSION = "rules-1"
#: Links at which an identifier starts to count as shared (a phone used by 5+ records is rare
#: for honest customers, common for fraud rings and agents).
SHARED_LINKS = 5
LARGE_AMOUNT = 200_000.0


class RuleScorer:
    """Combines independent risk signals as ``1 - prod(1 - p_i)`` so each can only add risk."""

    @property
    def version(self) -> str:
        """Version string of the rule set."""
        return VERSION

    def score(self, features: ScoringFeatures) -> ScoreResult:
        """Score ``features`` from ring membership, shared and invalid identifiers, amounts."""
        signals: list[tuple[float, Reason]] = []
        ring = self._strongest_ring(features.neighbours.values())
        if ring is not None:
            signals.append((max(0.6, min(ring.ring_score, 0.95)), ReasonCatalog.RING_MEMBER))
        most_links = max((r.links for r in features.neighbours.values()), default=0)
        if most_links >= SHARED_LINKS:
            signals.append((min(0.15 + 0.03 * most_links, 0.7), ReasonCatalog.SHARED_IDENTIFIER))
        model = max((r.model_score or 0.0 for r in features.neighbours.values()), default=0.0)
        if model >= 0.5:
            signals.append((model, ReasonCatalog.HIGH_RISK_NEIGHBOUR))
        if any(not e.valid for e in features.entities):
            signals.append((0.45, ReasonCatalog.INVALID_IDENTIFIER))
        signals.extend(self._amount_signals(features))
        if not signals:
            return ScoreResult(0.02, (ReasonCatalog.NO_SIGNAL,), VERSION)
        remaining = 1.0
        for prob, _ in signals:
            remaining *= 1.0 - prob
        reasons = tuple(r for _, r in sorted(signals, key=lambda s: -s[0]))
        ring_id = ring.ring_id if ring is not None else None
        return ScoreResult(round(1.0 - remaining, 6), reasons, VERSION, ring_id)

    @staticmethod
    def _strongest_ring(risks: Iterable[IdentifierRisk]) -> IdentifierRisk | None:
        rings = [r for r in risks if r.ring_id]
        return max(rings, key=lambda r: r.ring_score, default=None)

    @staticmethod
    def _amount_signals(features: ScoringFeatures) -> list[tuple[float, Reason]]:
        out: list[tuple[float, Reason]] = []
        if features.amount >= LARGE_AMOUNT:
            out.append((0.3, ReasonCatalog.LARGE_AMOUNT))
        income = features.income
        if features.kind == "application" and income > 0 and features.amount > 10 * income:
            out.append((0.35, ReasonCatalog.AMOUNT_OVER_INCOME))
        return out
