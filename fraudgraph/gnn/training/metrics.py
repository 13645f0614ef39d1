"""Ranking metrics for fraud scores: ROC-AUC, AUPRC (average precision) and Rec@K."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import average_precision_score, roc_auc_score


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve; 0.5 when only one class is present."""
    y = np.asarray(labels)
    if np.unique(y).size < 2:
        return 0.5
    return float(roc_auc_score(y, np.asarray(scores)))


def auprc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Average precision (area under the precision-recall curve)."""
    y = np.asarray(labels)
    if not (y == 1).any():
        return 0.0
    return float(average_precision_score(y, np.asarray(scores)))


def recall_at_k(labels: ArrayLike, scores: ArrayLike, k: int | None = None) -> float:
    """Share of positives among the top ``k`` scores; ``k`` defaults to the number of positives.

    With that default it equals precision at k, the GADBench "Rec@K".
    """
    y = np.asarray(labels)
    positives = int((y == 1).sum())
    if positives == 0:
        return 0.0
    k = positives if k is None else k
    top = np.argsort(-np.asarray(scores), kind="stable")[:k]
    return float((y[top] == 1).sum() / positives)


def all_metrics(labels: ArrayLike, scores: ArrayLike) -> dict[str, float]:
    """ROC-AUC, AUPRC and Rec@K together."""
    return {
        "roc_auc": roc_auc(labels, scores),
        "auprc": auprc(labels, scores),
        "rec_at_k": recall_at_k(labels, scores),
    }
