"""Ring scores: member scores combined with structure, calibrated to a probability.

A ring's features (size, strong-identifier share, how fast it formed, money moved, how
concentrated a hub's activity is, mean member score) go through a logistic model. Its
coefficients can be fitted on synthetic ground truth (:meth:`RingScorer.fit`) and saved as JSON,
so that REVIEW/BLOCK thresholds on the score read as probabilities that a ring is real.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from fraudgraph.errors import ModelError
from fraudgraph.rings.ring_candidate import STRONG_KINDS, RingCandidate

#: Binding kinds that are evidence only (an employer), never a reason on their own.
EVIDENCE_KINDS = frozenset({"Organization", "Person", "Uscc"})
FLOW_PATTERNS = frozenset({"fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter"})
FEATURES = (
    "log_customers",
    "log_accounts",
    "strong_share",
    "strong_kinds",
    "velocity",
    "log_amount",
    "flow",
    "flow_concentration",
    "links_per_member",
    "member_score",
    "size_velocity",
    "kinds_velocity",
    "log_span_days",
    "shared_kinds_only",
)
#: Fallback coefficients (bias first) until a calibration file is fitted: those fitted by
#: :meth:`RingScorer.fit` on the synthetic world of seed 21 (20,000 applications, read from its
#: files); evaluated on other seeds. Unweighted classes, so the score reads as a probability.
DEFAULT_COEF = (2.764, 0.756, 0.567, 0.344, 0.273, 0.184, 0.427, 0.026, 0.457, 0.907, 0.000,
                0.306, 0.401, -2.692, -0.853)  # fmt: skip


class MemberScorer(Protocol):
    """Per-member fraud scores (the GNN stage plugs in here)."""

    def score(self, members: Sequence[str]) -> Mapping[str, float]:
        """Scores in [0, 1] for the given member keys; missing keys count as unknown."""
        ...


class StructuralMemberScorer:
    """The default member scorer: no model, every member unknown (0.0)."""

    def score(self, members: Sequence[str]) -> Mapping[str, float]:
        """No member scores: the ring score then rests on structure alone."""
        return {}


@dataclass(frozen=True, slots=True)
class ScoredRing:
    """A candidate with its calibrated score and member scores."""

    candidate: RingCandidate
    score: float
    member_scores: Mapping[str, float]


def features(candidate: RingCandidate, member_scores: Mapping[str, float]) -> list[float]:
    """The feature vector of one candidate, in :data:`FEATURES` order."""
    kinds = {b.kind for b in candidate.bindings if b.kind in STRONG_KINDS or b.kind == "IP"}
    binding_kinds = {b.kind for b in candidate.bindings} - EVIDENCE_KINDS
    flow = 1.0 if candidate.pattern in FLOW_PATTERNS else 0.0
    scores = list(member_scores.values())
    velocity = 1.0 / (1.0 + candidate.span_hours / 24.0)
    return [
        math.log1p(candidate.customers),
        math.log1p(candidate.accounts),
        candidate.strong_share,
        float(len(kinds)),
        velocity,
        math.log1p(candidate.amount) / 10.0,
        flow,
        flow * candidate.concentration,
        candidate.links / max(1, len(candidate.members)),
        float(np.mean(scores)) if scores else 0.0,
        math.log1p(candidate.customers) * velocity * candidate.strong_share,
        len(kinds) * velocity,
        # Velocity saturates after a few days; a group that grew over months is told apart
        # from one that grew over weeks only on a log scale.
        math.log1p(candidate.span_hours / 24.0),
        # Bound only by what strangers share by chance (an IP behind a NAT, a building).
        1.0 if binding_kinds and binding_kinds <= {"IP", "Address"} else 0.0,
    ]


class RingScorer:
    """Logistic ring score over structural features and member scores."""

    def __init__(
        self, coef: Sequence[float] = DEFAULT_COEF, member_scorer: MemberScorer | None = None
    ) -> None:
        if len(coef) != len(FEATURES) + 1:
            raise ModelError(f"ring scorer needs {len(FEATURES) + 1} coefficients")
        self.coef = np.asarray(coef, dtype=np.float64)
        self.member_scorer = member_scorer or StructuralMemberScorer()

    def score(self, candidates: Sequence[RingCandidate]) -> list[ScoredRing]:
        """Score every candidate."""
        out = []
        for cand in candidates:
            members = self.member_scorer.score(sorted(cand.members))
            z = float(self.coef[0] + self.coef[1:] @ np.asarray(features(cand, members)))
            out.append(ScoredRing(cand, 1.0 / (1.0 + math.exp(-z)), dict(members)))
        return out

    def fit(self, candidates: Sequence[RingCandidate], labels: Sequence[int]) -> None:
        """Calibrate on labelled candidates (1 = a planted ring) with a regularised logit."""
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise ModelError("calibration needs both planted rings and benign groups")
        x: npt.NDArray[np.float64] = np.asarray(
            [features(c, self.member_scorer.score(sorted(c.members))) for c in candidates]
        )
        # No class re-weighting: the score estimates the share of candidates like this one
        # that are real rings, so REVIEW at 0.5 reads "more likely a ring than not".
        model = LogisticRegression(C=1.0, max_iter=5000)
        model.fit(x, np.asarray(labels))
        self.coef = np.concatenate([model.intercept_, model.coef_[0]]).astype(np.float64)

    def save(self, path: Path) -> None:
        """Write the coefficients as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"features": list(FEATURES), "coef": self.coef.tolist()}
        path.write_text(json.dumps(payload, indent=2))

    @classmethod
    def load(cls, path: Path, member_scorer: MemberScorer | None = None) -> RingScorer:
        """Read coefficients saved by :meth:`save`; the defaults when the file is absent."""
        if not path.exists():
            return cls(member_scorer=member_scorer)
        try:
            payload = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"cannot read ring calibration {path}: {exc}") from exc
        if payload.get("features") != list(FEATURES):
            raise ModelError(f"ring calibration {path} was fitted on other features")
        return cls(payload["coef"], member_scorer)
