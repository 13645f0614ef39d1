"""The sampler's draws for hubs: distinct, within the row, uniform, whatever the degree mix."""

from __future__ import annotations

import numpy as np
import torch

from fraudgraph.gnn.sampling import neighbor_sampler
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.neighbor_sampler import NeighborSampler


def _stars(degrees: list[int]) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Star ``i`` has a centre and ``degrees[i]`` leaves sending to it; returns edges, centres."""
    sources, targets, centres = [], [], []
    node = 0
    for degree in degrees:
        centres.append(node)
        sources.append(torch.arange(node + 1, node + 1 + degree))
        targets.append(torch.full((degree,), node))
        node += degree + 1
    edges = torch.stack([torch.cat(sources), torch.cat(targets)])
    return edges, torch.tensor(centres), node


def test_every_row_keeps_min_degree_fanout_distinct_neighbours() -> None:
    # small (<= fan-out), medium (random keys) and hub (redraw) rows in one frontier
    degrees = [1, 6, 7, 20, 28, 29, 500, 3000] * 5
    edges, centres, n = _stars(degrees)
    sampler = NeighborSampler(CsrGraph.from_edge_index(edges, n), edges, [7], seed=4)
    sub = sampler.sample(centres)
    global_edges = sub.node_ids[sub.edge_index]
    for centre, degree in zip(centres.tolist(), degrees, strict=True):
        senders = global_edges[0, global_edges[1] == centre]
        assert senders.numel() == min(degree, 7)
        assert torch.unique(senders).numel() == senders.numel()
        assert bool(((senders > centre) & (senders <= centre + degree)).all())


def test_hub_draws_are_uniform() -> None:
    stars, degree, fanout = 300, 200, 5  # degree > 4 x fan-out: drawn by redraws
    edges, centres, n = _stars([degree] * stars)
    sampler = NeighborSampler(CsrGraph.from_edge_index(edges, n), edges, [fanout], seed=7)
    counts = torch.zeros(degree)
    rounds = 10
    for _ in range(rounds):
        picked = sampler.sample(centres).node_ids[stars:]
        counts += torch.bincount(picked % (degree + 1) - 1, minlength=degree)
    share = counts / (rounds * stars)
    assert torch.allclose(share, torch.full((degree,), fanout / degree), atol=0.012)


def test_redraw_sample_handles_degrees_close_to_the_fanout() -> None:
    rng = np.random.default_rng(0)
    degree = np.array([16, 15, 40, 1000])
    chosen = neighbor_sampler._redraw_sample(degree, 15, rng)
    assert chosen.shape == (4, 15)
    for row, limit in zip(chosen, degree, strict=True):
        assert len(set(row.tolist())) == 15
        assert row.min() >= 0
        assert row.max() < limit
    assert sorted(chosen[1].tolist()) == list(range(15))  # degree == k: every offset


def test_sorted_unique_matches_numpy() -> None:
    values = np.random.default_rng(1).integers(0, 50, 400)
    assert np.array_equal(neighbor_sampler._sorted_unique(values), np.unique(values))
    assert neighbor_sampler._sorted_unique(np.empty(0, dtype=np.int64)).size == 0
