"""Holds the scorer in use and swaps in a newly promoted model without dropping requests.

A request takes a reference to the current scorer once and uses it to the end; a swap is one
attribute assignment, so in-flight requests finish on the old model and new ones start on the
new model. A scorer that raises falls back to the rule-based scorer for that request.
"""

from __future__ import annotations

import logging
import threading

from fraudgraph.service.rule_scorer import RuleScorer
from fraudgraph.service.scorer import Scorer, ScoreResult, ScoringFeatures

LOG = logging.getLogger(__name__)


class ScorerHolder:
    """The current scorer, with the rule-based fallback behind it."""

    def __init__(self, scorer: Scorer | None = None) -> None:
        self._fallback = RuleScorer()
        self._current: Scorer = scorer or self._fallback
        self._lock = threading.Lock()
        self.fallbacks = 0

    @property
    def version(self) -> str:
        """Version of the scorer serving new requests."""
        return self._current.version

    def promote(self, scorer: Scorer) -> None:
        """Serve new requests with ``scorer`` from now on."""
        with self._lock:
            LOG.info("model %s replaces %s", scorer.version, self._current.version)
            self._current = scorer

    def score(self, features: ScoringFeatures) -> ScoreResult:
        """Score with the current model, or with the rules when the model fails."""
        scorer = self._current
        if scorer is self._fallback:
            return scorer.score(features)
        try:
            return scorer.score(features)
        except Exception:  # a broken model must cost accuracy, never availability
            LOG.exception("scorer %s failed; using the rules", scorer.version)
            self.fallbacks += 1
            return self._fallback.score(features)
