"""Neighbour features, known-label features and the LightGBM baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from fraudgraph.errors import ModelError
from fraudgraph.gnn.data.split import Split
from fraudgraph.gnn.label_features import LabelFeatures
from fraudgraph.gnn.models.trees_baseline import TreesBaseline
from fraudgraph.gnn.neighbour_features import NeighbourFeatures
from fraudgraph.gnn.training.metrics import auprc


def test_neighbour_features_on_a_path_graph() -> None:
    x = torch.tensor([[1.0], [2.0], [4.0]])
    edges = torch.tensor([[0, 1, 1, 2], [1, 0, 2, 1]])  # 0 - 1 - 2, both directions
    feats, names = NeighbourFeatures(aggregators=("mean", "max")).build(x, edges, False, ["v"])
    assert len(names) == feats.shape[1]
    col = {name: feats[:, i] for i, name in enumerate(names)}
    assert col["in_mean_v"].tolist() == [2.0, 2.5, 2.0]
    assert col["in_max_v"].tolist() == [2.0, 4.0, 2.0]
    # 2-hop mean = mean over neighbours of their neighbour means
    assert col["in_2hop_mean_v"].tolist() == [2.5, 2.0, 2.5]
    assert torch.allclose(col["in_log_degree"], torch.log1p(torch.tensor([1.0, 2.0, 1.0])))


def test_directed_features_separate_in_and_out() -> None:
    x = torch.tensor([[1.0], [10.0], [100.0]])
    edges = torch.tensor([[0, 1], [1, 2]])  # 0 -> 1 -> 2
    feats, names = NeighbourFeatures(aggregators=("mean",), two_hop=False).build(
        x, edges, True, ["v"]
    )
    col = {name: feats[:, i] for i, name in enumerate(names)}
    assert col["in_mean_v"].tolist() == [0.0, 1.0, 10.0]
    assert col["out_mean_v"].tolist() == [10.0, 100.0, 0.0]


def test_label_features_use_only_known_labels() -> None:
    y = torch.tensor([1, 0, 1, 0])
    edges = torch.tensor([[0, 1, 2, 3, 0, 2], [3, 3, 3, 0, 1, 1]])
    known = torch.tensor([0, 1])  # labels of nodes 2 and 3 are hidden
    feats = LabelFeatures().build(y, known, edges, directed=False)
    fraud_count = torch.expm1(feats[:, 0])
    normal_count = torch.expm1(feats[:, 1])
    assert fraud_count.round().tolist() == [0.0, 1.0, 0.0, 1.0]  # node 2's label stays hidden
    assert normal_count.round().tolist() == [0.0, 0.0, 0.0, 1.0]


def test_trees_learn_neighbour_signal_and_round_trip(planted_graph: Data, tmp_path: Path) -> None:
    feats, _ = NeighbourFeatures().build(
        planted_graph.x, planted_graph.edge_index, False, ["a", "b", "c", "d"]
    )
    x, y = feats.numpy(), planted_graph.y.numpy()
    split = Split.stratified(planted_graph.y, seed=0)
    tr, va, te = (s.numpy() for s in (split.train, split.val, split.test))
    trees = TreesBaseline({"n_estimators": 300}, patience=50)
    trees.fit(x[tr], y[tr], x[va], y[va])
    scores = trees.predict_proba(x[te])
    assert auprc(y[te], scores) > 0.7  # the label lives in the neighbour mean of feature 0
    trees.save(tmp_path / "trees.txt")
    again = TreesBaseline.load(tmp_path / "trees.txt")
    assert np.allclose(again.predict_proba(x[te]), scores)


def test_untrained_trees_refuse_to_predict() -> None:
    with pytest.raises(ModelError):
        TreesBaseline().predict_proba(np.zeros((1, 3)))
