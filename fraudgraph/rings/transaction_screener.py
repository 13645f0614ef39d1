"""Batch AML screening of a period's transactions for money-flow typologies."""

from __future__ import annotations

from dataclasses import dataclass

from fraudgraph.rings.flow_ring_finder import FlowRingFinder
from fraudgraph.rings.graph_snapshot import Transfers
from fraudgraph.rings.ring_detector import merge_duplicates
from fraudgraph.rings.ring_explainer import explain
from fraudgraph.rings.ring_scorer import RingScorer


@dataclass(frozen=True, slots=True)
class ScreeningAlert:
    """One ranked typology hit."""

    rank: int
    typology: str
    score: float
    accounts: tuple[str, ...]
    amount: float
    transfers: int
    first_seen: float
    last_seen: float
    explanation_en: str
    explanation_zh: str
    evidence: tuple[str, ...]  # the first transfers, "payer -> payee amount"


class TransactionScreener:
    """Runs the flow detectors over transfers and ranks the structures by ring score."""

    def __init__(self, finder: FlowRingFinder, scorer: RingScorer | None = None) -> None:
        self.finder = finder
        self.scorer = scorer or RingScorer()

    def screen(
        self, transfers: Transfers, owner_of: dict[str, str] | None = None, min_score: float = 0.0
    ) -> list[ScreeningAlert]:
        """Alerts with ``score >= min_score``, highest score first."""
        # One network seen as several structures (a mule network's fan-ins into each of its
        # collection accounts) becomes one alert.
        found = merge_duplicates(self.finder.find(transfers, owner_of))
        scored = self.scorer.score(found)
        scored = sorted((r for r in scored if r.score >= min_score), key=lambda r: -r.score)
        alerts = []
        for rank, ring in enumerate(scored, start=1):
            cand = ring.candidate
            en, zh = explain(cand)
            accounts = sorted(
                m.removeprefix("Account:") for m in cand.members if m.startswith("Account:")
            )
            alerts.append(
                ScreeningAlert(
                    rank=rank,
                    typology=cand.pattern,
                    score=ring.score,
                    accounts=tuple(accounts),
                    amount=cand.amount,
                    transfers=cand.links,
                    first_seen=cand.first_seen,
                    last_seen=cand.last_seen,
                    explanation_en=en,
                    explanation_zh=zh,
                    evidence=tuple(text for _, text in cand.timeline[:20]),
                )
            )
        return alerts
