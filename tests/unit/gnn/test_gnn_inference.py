"""Real-time scoring on bounded k-hop subgraphs."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.data import Data

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.inference import SubgraphScorer
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN


def _hub_graph(leaves: int) -> Data:
    """Node 0 is a hub linked (both ways) to every leaf; leaves also form a ring."""
    ids = torch.arange(1, leaves + 1)
    ring = torch.stack([ids, ids % leaves + 1])
    spokes = torch.stack([ids, torch.zeros_like(ids)])
    edges = torch.cat([spokes, spokes.flip(0), ring, ring.flip(0)], dim=1)
    return Data(x=torch.randn(leaves + 1, 3), edge_index=edges)


def _scorer(data: Data, fanouts: tuple[int, ...], max_nodes: int = 500) -> SubgraphScorer:
    transform = InputTransform("raw")
    transform.fit(data.x, data.edge_index)
    model = SepGNN(3, hidden_channels=8, num_layers=len(fanouts))
    return SubgraphScorer(
        model, transform, data.x, data.edge_index, fanouts=fanouts, max_nodes=max_nodes
    )


def test_subgraph_is_bounded_around_a_hub() -> None:
    data = _hub_graph(20_000)
    scorer = _scorer(data, (20, 10))
    sub = scorer.subgraph(torch.tensor([0]))
    assert sub.num_nodes <= 1 + 20 + 20 * 10
    assert sub.node_ids[0].item() == 0
    scores = scorer.score(torch.tensor([0, 5]))
    assert scores.shape == (2,)
    assert bool(((scores > 0) & (scores < 1)).all())


def test_scores_match_full_graph_when_nothing_is_capped() -> None:
    data = _hub_graph(30)
    scorer = _scorer(data, (-1, -1))
    nodes = torch.tensor([3, 0])
    with torch.no_grad():
        inputs = scorer.transform.apply(data.x, data.edge_index)
        full = torch.sigmoid(scorer.model(inputs, data.edge_index))
    assert torch.allclose(scorer.score(nodes), full[nodes], atol=1e-5)


def test_oversized_subgraph_and_bad_ids_are_rejected() -> None:
    data = _hub_graph(2_000)
    scorer = _scorer(data, (50, 50), max_nodes=100)
    with pytest.raises(InvalidInputError):
        scorer.score(torch.tensor([0]))
    with pytest.raises(InvalidInputError):
        scorer.score(torch.tensor([10_000]))


def test_request_cost_does_not_grow_with_the_graph() -> None:
    """A leaf next to a hub touches the same capped neighbourhood in a 5k- or 50k-node graph.

    Latency itself is measured by ``benchmarks/gnn.py --latency-only`` (no timed tests).
    """
    sizes = []
    for leaves in (5_000, 50_000):
        sub = _scorer(_hub_graph(leaves), (20, 10)).subgraph(torch.tensor([7]))
        assert sub.num_nodes <= 1 + 20 + 20 * 10
        assert sub.edge_ids.numel() <= 20 + 20 * 10
        sizes.append(sub.num_nodes)
    # leaf 7: hub + two ring neighbours, then <= 10 of the hub's leaves and the ring's next
    assert abs(sizes[0] - sizes[1]) <= 2
    assert sizes[0] <= 1 + 3 + 10 + 4
