"""Metrics and splits."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.data.split import Split
from fraudgraph.gnn.training.metrics import all_metrics, auprc, recall_at_k, roc_auc


def test_metrics_on_a_hand_computed_ranking() -> None:
    labels = np.array([1, 0, 1, 0, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
    # positives ranked 1st and 3rd: AP = (1/1 + 2/3) / 2
    assert auprc(labels, scores) == pytest.approx((1 + 2 / 3) / 2)
    # 5 of the 6 positive/negative pairs are ordered correctly
    assert roc_auc(labels, scores) == pytest.approx(5 / 6)
    assert recall_at_k(labels, scores) == pytest.approx(0.5)  # top-2 holds one positive
    assert recall_at_k(labels, scores, k=3) == pytest.approx(1.0)
    assert set(all_metrics(labels, scores)) == {"roc_auc", "auprc", "rec_at_k"}


def test_degenerate_labels_do_not_crash() -> None:
    assert roc_auc(np.zeros(4), np.arange(4)) == 0.5
    assert auprc(np.zeros(4), np.arange(4)) == 0.0
    assert recall_at_k(np.zeros(4), np.arange(4)) == 0.0


def test_stratified_split_is_disjoint_and_keeps_the_positive_rate() -> None:
    labels = torch.tensor([1] * 50 + [0] * 950 + [-1] * 20)
    split = Split.stratified(labels, seed=3)
    parts = [split.train, split.val, split.test]
    assert sum(p.numel() for p in parts) == 1000  # unlabelled nodes left out
    assert len(set(torch.cat(parts).tolist())) == 1000
    assert split.train.numel() == 400
    assert split.val.numel() == 200
    for part, positives in zip(parts, (20, 10, 20), strict=True):
        assert int((labels[part] == 1).sum()) == positives
    again = Split.stratified(labels, seed=3)
    assert torch.equal(again.test, split.test)
    assert not torch.equal(Split.stratified(labels, seed=4).test, split.test)


def test_bad_fractions_are_rejected() -> None:
    with pytest.raises(InvalidInputError):
        Split.stratified(torch.tensor([0, 1]), seed=0, fractions=(0.8, 0.3))
