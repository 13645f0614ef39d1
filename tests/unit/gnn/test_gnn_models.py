"""Forward shapes and behaviour of the GNN models and the unsupervised scorer."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.models.anomaly_scorer import NeighbourhoodAnomalyScorer
from fraudgraph.gnn.models.hetero_sep_gnn import HeteroSepGNN
from fraudgraph.gnn.models.sep_conv import SepConv
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.sampling.csr_graph import CsrGraph


def test_sep_gnn_undirected_shapes(planted_graph: Data) -> None:
    model = SepGNN(4, hidden_channels=16, num_layers=3)
    out = model(planted_graph.x, planted_graph.edge_index)
    assert out.shape == (planted_graph.num_nodes,)
    assert torch.isfinite(out).all()


def test_sep_gnn_directed_with_edge_features() -> None:
    x = torch.randn(7, 5)
    edges = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 0]])
    attr = torch.randn(5, 2)
    model = SepGNN(5, hidden_channels=8, directed=True, edge_dim=2, aggregators=("mean", "max"))
    assert model(x, edges, attr).shape == (7,)
    with pytest.raises(InvalidInputError):
        model(x, edges)  # edge features are required when edge_dim > 0


def test_sparse_adjacency_path_matches_edge_index_path(planted_graph: Data) -> None:
    torch.manual_seed(0)
    model = SepGNN(4, hidden_channels=8, aggregators=("mean", "std"), dropout=0.0).eval()
    adjacency = CsrGraph.from_edge_index(
        planted_graph.edge_index, planted_graph.num_nodes
    ).to_sparse_adjacency()
    dense_path = model(planted_graph.x, planted_graph.edge_index)
    sparse_path = model(planted_graph.x, adjacency)
    assert torch.allclose(dense_path, sparse_path, atol=1e-4)


def test_sparse_path_gradient_matches(planted_graph: Data) -> None:
    torch.manual_seed(0)
    model = SepGNN(4, hidden_channels=8, aggregators=("mean", "std"), dropout=0.0)
    adjacency = CsrGraph.from_edge_index(
        planted_graph.edge_index, planted_graph.num_nodes
    ).to_sparse_adjacency()
    grads = []
    for structure in (planted_graph.edge_index, adjacency):
        model.zero_grad()
        model(planted_graph.x, structure).sum().backward()
        grads.append(model.encoder.weight.grad.clone())
    assert torch.allclose(grads[0], grads[1], atol=1e-3)


def test_sep_conv_keeps_ego_signal_for_isolated_nodes() -> None:
    layer = SepConv(4, dropout=0.0)
    h = torch.randn(3, 4)
    out = layer(h, torch.empty(2, 0, dtype=torch.long))
    assert out.shape == (3, 4)
    assert not torch.allclose(out, torch.zeros_like(out))


def test_reset_parameters_reinitialises() -> None:
    model = SepGNN(3, hidden_channels=8)
    before = model.encoder.weight.detach().clone()
    model.reset_parameters()
    assert not torch.equal(before, model.encoder.weight)


def test_unknown_aggregator_is_rejected() -> None:
    with pytest.raises(InvalidInputError):
        SepConv(4, ("median",))


def test_hetero_model_scores_target_type() -> None:
    x_dict = {"person": torch.randn(5, 3), "phone": torch.randn(4, 2)}
    edge_index_dict = {
        ("person", "uses", "phone"): torch.tensor([[0, 1, 2, 4], [0, 0, 1, 3]]),
        ("phone", "used_by", "person"): torch.tensor([[0, 0, 1, 3], [0, 1, 2, 4]]),
    }
    model = HeteroSepGNN(
        {"person": 3, "phone": 2}, list(edge_index_dict), target="person", hidden_channels=8
    )
    out = model(x_dict, edge_index_dict)
    assert out.shape == (5,)
    out.sum().backward()
    assert model.encoders["phone"].weight.grad is not None  # messages flow from phones


def test_anomaly_scorer_ranks_planted_outliers_first() -> None:
    gen = torch.Generator().manual_seed(3)
    n = 300
    x = torch.randn(n, 6, generator=gen) * 0.1
    x[:, 1] = x[:, 0] * 2  # a low-rank normal population
    outliers = torch.tensor([5, 77, 150])
    x[outliers, 3] += 3.0
    ring = torch.arange(n)
    edges = torch.stack([ring, (ring + 1) % n])
    edges = torch.cat([edges, edges.flip(0)], dim=1)
    scores = NeighbourhoodAnomalyScorer(rank=2).fit(x, edges).score(x, edges)
    assert scores.shape == (n,)
    assert set(torch.topk(scores, 3).indices.tolist()) == set(outliers.tolist())
