"""Strict span-level micro-F1 (exact type and boundaries), per type and overall."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fraudgraph.nlp.corpus import NerExample, Span


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 (percentages) with the counts behind them."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    correct: int

    def as_dict(self) -> dict[str, float | int]:
        """JSON-friendly form, figures rounded to two decimals."""
        return {
            "precision": round(self.precision, 2),
            "recall": round(self.recall, 2),
            "f1": round(self.f1, 2),
            "support": self.support,
            "predicted": self.predicted,
            "correct": self.correct,
        }


def prf(correct: int, predicted: int, support: int) -> PRF:
    """PRF from counts (0 where undefined)."""
    precision = 100.0 * correct / predicted if predicted else 0.0
    recall = 100.0 * correct / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PRF(precision, recall, f1, support, predicted, correct)


class NerEvaluator:
    """Scores predicted spans against gold spans, sentence by sentence."""

    def score(
        self, gold: Sequence[NerExample], predicted: Iterable[Sequence[Span]]
    ) -> tuple[PRF, dict[str, PRF]]:
        """(overall micro PRF, PRF per label) for aligned gold examples and predictions."""
        support: Counter[str] = Counter()
        guessed: Counter[str] = Counter()
        correct: Counter[str] = Counter()
        for example, spans in zip(gold, predicted, strict=True):
            gold_set = set(example.spans)
            pred_set = set(spans)
            support.update(label for _, _, label in gold_set)
            guessed.update(label for _, _, label in pred_set)
            correct.update(label for _, _, label in gold_set & pred_set)
        labels = sorted(set(support) | set(guessed))
        per_label = {label: prf(correct[label], guessed[label], support[label]) for label in labels}
        overall = prf(sum(correct.values()), sum(guessed.values()), sum(support.values()))
        return overall, per_label
