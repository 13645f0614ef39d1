"""Known-label neighbourhood counts leave the node's own label out (self-loops, 2-cycles)."""

from __future__ import annotations

import pytest
import torch

from fraudgraph.gnn.label_features import LabelFeatures

# Column layout per view: log1p(fraud, normal counts), fraud share, 2-hop (fraud, normal) mean.
HOP2 = slice(3, 5)


def _random_graph(seed: int, n: int = 12, m: int = 60) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels and a directed multigraph with self-loops and reciprocal edges."""
    gen = torch.Generator().manual_seed(seed)
    edges = torch.randint(0, n, (2, m), generator=gen)
    loops = torch.arange(3).repeat(2, 1)
    edges = torch.cat([edges, edges[:, :15].flip(0), edges[:, :5], loops], dim=1)
    return torch.randint(0, 2, (n,), generator=gen), edges


def test_self_loop_does_not_count_the_own_label() -> None:
    y = torch.tensor([1, 0])
    edges = torch.tensor([[0, 1], [0, 0]])  # self-loop on 0 and 1 -> 0
    known = torch.tensor([0, 1])
    fresh = LabelFeatures().build(y, known, edges, directed=True)
    old = LabelFeatures(leave_self_out=False).build(y, known, edges, directed=True)
    assert torch.expm1(fresh[0, :2]).round().tolist() == [0.0, 1.0]  # only node 1 (normal)
    assert torch.expm1(old[0, :2]).round().tolist() == [1.0, 1.0]  # the loop counted itself


def test_two_hop_mean_skips_paths_back_to_the_node() -> None:
    y = torch.tensor([1, 0, 0])
    edges = torch.tensor([[0, 1, 2], [1, 0, 1]])  # 0 -> 1 -> 0 and 2 -> 1
    known = torch.tensor([0, 2])
    fresh = LabelFeatures().build(y, known, edges, directed=True)
    old = LabelFeatures(leave_self_out=False).build(y, known, edges, directed=True)
    # In-neighbours of 1 are {0, 2}; seen from 0, only 2 (normal) remains.
    assert fresh[0, HOP2].tolist() == [0.0, 1.0]
    assert old[0, HOP2].tolist() == [0.5, 0.5]


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_node_row_does_not_depend_on_its_own_label(directed: bool, seed: int) -> None:
    y, edges = _random_graph(seed)
    everyone = torch.arange(y.numel())
    full = LabelFeatures().build(y, everyone, edges, directed)
    for node in range(y.numel()):
        hidden = everyone[everyone != node]
        without = LabelFeatures().build(y, hidden, edges, directed)
        assert torch.allclose(full[node], without[node]), f"node {node} sees its own label"


def test_the_old_behaviour_fails_the_own_label_check() -> None:
    y, edges = _random_graph(0)
    everyone = torch.arange(y.numel())
    full = LabelFeatures(leave_self_out=False).build(y, everyone, edges, True)
    differs = [
        not torch.allclose(
            full[node],
            LabelFeatures(leave_self_out=False).build(y, everyone[everyone != node], edges, True)[
                node
            ],
        )
        for node in range(y.numel())
    ]
    assert any(differs)  # the check above is able to catch a leak


def test_other_nodes_still_see_a_known_label() -> None:
    y, edges = _random_graph(1)
    everyone = torch.arange(y.numel())
    full = LabelFeatures().build(y, everyone, edges, True)
    none = LabelFeatures().build(y, everyone[:0], edges, True)
    assert not torch.allclose(full, none)
    assert torch.count_nonzero(none) == 0  # nothing known: all counts, shares and means are 0


def test_a_graph_of_self_loops_gives_no_evidence() -> None:
    y = torch.tensor([1, 0])
    loops = torch.tensor([[0, 1], [0, 1]])
    feats = LabelFeatures().build(y, torch.tensor([0, 1]), loops, directed=True)
    assert feats.shape == (2, 10)
    assert torch.count_nonzero(feats) == 0
