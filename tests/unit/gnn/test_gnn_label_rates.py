"""Neighbourhood fraud rates from training labels: values, no leakage, Reddit signal, config."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from fraudgraph.gnn.bench.bench_config import BenchConfig
from fraudgraph.gnn.bench.gnn_benchmark import GnnBenchmark
from fraudgraph.gnn.data.dataset_catalog import DatasetCatalog
from fraudgraph.gnn.data.graph_dataset import GraphDataset
from fraudgraph.gnn.models.trees_baseline import TreesBaseline
from fraudgraph.gnn.neighbour_label_rates import FEATURE_NAMES, NeighbourLabelRates
from fraudgraph.gnn.training.metrics import roc_auc

# Users 0, 1, 2 and places 3, 4 (bipartite): 0-3, 1-3, 2-3, 2-4, given in one direction only.
BIPARTITE = torch.tensor([[0, 1, 2, 2], [3, 3, 3, 4]])


def _col(feats: torch.Tensor, name: str) -> list[float]:
    return [round(v, 6) for v in feats[:, FEATURE_NAMES.index(name)].tolist()]


def test_rates_by_hand_on_a_bipartite_graph() -> None:
    y = torch.tensor([1, 0, 1, 0, 0])
    known = torch.tensor([0, 1, 3])  # prior = 1/3; the labels of 2 and 4 are hidden
    feats = NeighbourLabelRates(prior_weight=1.0).build(y, known, BIPARTITE, 5)
    assert feats.shape == (5, len(FEATURE_NAMES))
    third = 1.0 / 3.0
    # Node 2 via place 3: others known {0 fraud, 1 normal} -> (1 + 1/3) / (2 + 1) = 4/9;
    # via place 4: nobody else known -> the prior 1/3.
    assert _col(feats, "label_rate_max")[2] == round(4 / 9, 6)
    assert _col(feats, "label_rate_min")[2] == round(third, 6)
    assert _col(feats, "label_rate_mean")[2] == round((4 / 9 + third) / 2, 6)
    assert _col(feats, "label_2hop_share")[2] == round(4 / 9, 6)
    # Node 0 is known fraud, but place 3 seen from 0 holds only node 1 (normal): 0 never sees
    # its own label -> (0 + 1/3) / (1 + 1) = 1/6, and no 2-hop fraud.
    assert _col(feats, "label_rate_mean")[0] == round(third / 2, 6)
    assert _col(feats, "label_2hop_log_fraud")[0] == 0.0
    # Node 1 sees fraud 0 through place 3.
    assert _col(feats, "label_2hop_log_fraud")[1] == round(float(torch.log1p(torch.tensor(1.0))), 6)


def test_hidden_labels_are_never_read() -> None:
    known = torch.tensor([0, 1, 3])
    a = NeighbourLabelRates().build(torch.tensor([1, 0, 1, 0, 0]), known, BIPARTITE, 5)
    b = NeighbourLabelRates().build(torch.tensor([1, 0, 0, 0, 1]), known, BIPARTITE, 5)
    assert torch.equal(a, b)


def test_a_known_node_never_sees_its_own_label() -> None:
    # Two separate stars: users 0, 1 around place 2; users 3, 4 around place 5.
    edges = torch.tensor([[0, 1, 3, 4], [2, 2, 5, 5]])
    known = torch.tensor([0, 1, 3, 4])
    before = NeighbourLabelRates().build(torch.tensor([1, 0, 0, 0, 0, 0]), known, edges, 6)
    # Swap the labels of 0 and 3 (the prior stays the same): 0's own row must not move, while
    # the rows of those who see 0 or 3 do.
    after = NeighbourLabelRates().build(torch.tensor([0, 0, 0, 1, 0, 0]), known, edges, 6)
    assert torch.equal(before[0], after[0])
    assert torch.equal(before[3], after[3])
    assert not torch.equal(before[1], after[1])
    assert not torch.equal(before[4], after[4])


def test_direction_duplicates_and_self_loops_do_not_matter() -> None:
    y = torch.tensor([1, 0, 1, 0, 0])
    known = torch.tensor([0, 1, 3])
    loops = torch.arange(5).repeat(2, 1)
    messy = torch.cat([BIPARTITE, BIPARTITE.flip(0), BIPARTITE, loops], dim=1)
    clean = NeighbourLabelRates().build(y, known, BIPARTITE, 5)
    assert torch.allclose(NeighbourLabelRates().build(y, known, messy, 5), clean)


def test_isolated_nodes_get_the_prior() -> None:
    feats = NeighbourLabelRates().build(
        torch.tensor([1, 0, 0]), torch.tensor([0, 1]), BIPARTITE[:, :0], 3
    )
    assert _col(feats, "label_rate_mean") == [0.5, 0.5, 0.5]
    assert _col(feats, "label_2hop_log_fraud") == [0.0, 0.0, 0.0]


def test_reddit_rates_rank_test_users_from_training_labels(datasets_root: Path) -> None:
    dataset = DatasetCatalog(datasets_root).load("reddit", seeds=1)
    split, data = dataset.splits[0], dataset.data
    feats = NeighbourLabelRates().build(data.y, split.train, data.edge_index, data.num_nodes)
    test_y = data.y[split.test].numpy()
    score = feats[split.test, FEATURE_NAMES.index("label_rate_mean")].numpy()
    # Raw features alone reach ~0.55 AUROC per column on Reddit; the banned share of the
    # subreddits a user posts in carries far more.
    assert roc_auc(test_y, score) > 0.65


def test_bench_config_reads_label_rates_and_bags(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"reddit": {"label_rates": True, "trees_bags": 3}}))
    config = BenchConfig.for_dataset(path, "reddit")
    assert (config.label_rates, config.trees_bags) == (True, 3)
    plain = BenchConfig.for_dataset(path, "tolokers")
    assert (plain.label_rates, plain.trees_bags) == (False, 1)


@pytest.mark.parametrize("bags", [0, -2])
def test_bench_config_keeps_at_least_one_bag(tmp_path: Path, bags: int) -> None:
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"default": {"trees_bags": bags}}))
    assert BenchConfig.for_dataset(path, "default").trees_bags == 1


def test_benchmark_appends_rates_to_tree_inputs_only_when_configured(planted_graph: Data) -> None:
    dataset = GraphDataset.from_data("planted", planted_graph, directed=False, seeds=1)
    split, tree_x = dataset.splits[0], torch.randn(planted_graph.num_nodes, 3)
    plain = GnnBenchmark(dataset, BenchConfig())._with_label_rates(tree_x, split)
    assert plain is tree_x
    with_rates = GnnBenchmark(dataset, BenchConfig(label_rates=True))._with_label_rates(
        tree_x, split
    )
    expected = NeighbourLabelRates().build(
        planted_graph.y, split.train, planted_graph.edge_index, planted_graph.num_nodes
    )
    assert torch.equal(with_rates, torch.cat([tree_x, expected], dim=1))


def test_bagged_trees_average_models_of_different_seeds(planted_graph: Data) -> None:
    dataset = GraphDataset.from_data("planted", planted_graph, directed=False, seeds=1)
    split = dataset.splits[0]
    x = torch.cat([planted_graph.x, torch.randn(planted_graph.num_nodes, 4)], dim=1).numpy()
    y = planted_graph.y.numpy()
    tr, va, te = (s.numpy() for s in (split.train, split.val, split.test))
    trees = {"n_estimators": 30, "colsample_bytree": 0.5}
    single = GnnBenchmark(dataset, BenchConfig(trees=trees))._bagged_trees(x, y, tr, va, te)
    seed1 = TreesBaseline(trees, 200, seed=1)
    seed1.fit(x[tr], y[tr], x[va], y[va])
    bagged = GnnBenchmark(dataset, BenchConfig(trees=trees, trees_bags=2))._bagged_trees(
        x, y, tr, va, te
    )
    expected = (single.test + seed1.predict_proba(x[te])) / 2
    assert np.allclose(bagged.test, expected)
    assert not np.allclose(bagged.test, single.test)  # the second seed really differs
