"""CSR construction and the k-neighbour sampler."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.sampling import neighbor_sampler
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.neighbor_sampler import NeighborSampler


def _random_graph(n: int, e: int, seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, n, (2, e), generator=gen)


def test_csr_lists_exactly_the_incoming_neighbours() -> None:
    edges = torch.tensor([[0, 1, 2, 2, 3], [1, 2, 1, 0, 1]])
    csr = CsrGraph.from_edge_index(edges, 4)
    assert sorted(csr.neighbours(1).tolist()) == [0, 2, 3]
    assert csr.neighbours(0).tolist() == [2]
    assert csr.neighbours(3).tolist() == []
    assert csr.degree().tolist() == [1, 3, 1, 0]
    # eid points back at the column of each slot
    for slot in range(csr.col.numel()):
        eid = int(csr.eid[slot])
        assert int(edges[0, eid]) == int(csr.col[slot])


def test_csr_both_directions_reaches_outgoing_links() -> None:
    edges = torch.tensor([[0, 0], [1, 2]])
    csr = CsrGraph.from_edge_index(edges, 3, both_directions=True)
    assert sorted(csr.neighbours(0).tolist()) == [1, 2]
    assert csr.neighbours(1).tolist() == [0]


def test_csr_rejects_out_of_range_ids() -> None:
    with pytest.raises(InvalidInputError):
        CsrGraph.from_edge_index(torch.tensor([[0], [5]]), 3)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 60),
    e=st.integers(0, 400),
    fanout=st.integers(1, 6),
    seed=st.integers(0, 10_000),
)
def test_sampler_respects_fanout_and_samples_real_neighbours(
    n: int, e: int, fanout: int, seed: int
) -> None:
    edges = _random_graph(n, e, seed)
    csr = CsrGraph.from_edge_index(edges, n)
    sampler = NeighborSampler(csr, edges, [fanout], seed=seed)
    seeds = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: max(1, n // 3)]
    sub = sampler.sample(seeds)
    assert sub.node_ids[: seeds.numel()].tolist() == seeds.tolist()
    assert torch.unique(sub.node_ids).numel() == sub.num_nodes
    global_edges = sub.node_ids[sub.edge_index]
    assert torch.equal(global_edges, edges[:, sub.edge_ids])
    for seed_node in seeds.tolist():
        chosen_slots = (global_edges[1] == seed_node).sum().item()
        degree = int(csr.degree()[seed_node])
        # one hop: every seed keeps min(degree, fanout) distinct links
        assert chosen_slots == min(degree, fanout)


def test_sampler_caps_hubs_and_keeps_all_links_of_small_nodes() -> None:
    hub_degree = 5000
    leaves = torch.arange(1, hub_degree + 1)
    edges = torch.stack([leaves, torch.zeros_like(leaves)])  # every leaf -> hub 0
    edges = torch.cat([edges, torch.tensor([[0], [hub_degree + 1]])], dim=1)
    csr = CsrGraph.from_edge_index(edges, hub_degree + 2)
    sampler = NeighborSampler(csr, edges, [7, 3])
    sub = sampler.sample(torch.tensor([0]))
    assert sub.num_nodes == 1 + 7  # leaves have no incoming links
    picked = sub.node_ids[1:]
    assert bool(((picked >= 1) & (picked <= hub_degree)).all())
    small = sampler.sample(torch.tensor([hub_degree + 1]))
    assert small.node_ids.tolist() == [hub_degree + 1, 0, *small.node_ids[2:].tolist()]
    assert small.num_nodes == 2 + 3  # the hub, then 3 of its leaves at hop 2


def test_sampler_draws_uniformly() -> None:
    stars, leaves_per_star = 400, 10
    centres = torch.arange(stars) * (leaves_per_star + 1)
    leaves = centres.unsqueeze(1) + torch.arange(1, leaves_per_star + 1)
    edges = torch.stack([leaves.flatten(), centres.repeat_interleave(leaves_per_star)])
    n = stars * (leaves_per_star + 1)
    sampler = NeighborSampler(CsrGraph.from_edge_index(edges, n), edges, [3], seed=1)
    counts = torch.zeros(leaves_per_star)
    for _ in range(5):
        picked = sampler.sample(centres).node_ids[stars:]
        counts += torch.bincount(picked % (leaves_per_star + 1) - 1, minlength=leaves_per_star)
    share = counts / (5 * stars)
    # each of the 10 leaves of a star is picked with probability 3/10
    assert torch.allclose(share, torch.full((leaves_per_star,), 0.3), atol=0.04)


def test_sampler_rejects_duplicate_seeds() -> None:
    edges = _random_graph(5, 10, 0)
    sampler = NeighborSampler(CsrGraph.from_edge_index(edges, 5), edges, [2])
    with pytest.raises(InvalidInputError):
        sampler.sample(torch.tensor([1, 1]))


@pytest.mark.parametrize("dense_keys_limit", [0, 1 << 18])
def test_both_sampling_strategies_draw_distinct_uniform_neighbours(
    dense_keys_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0 forces Floyd's algorithm (used for large training batches), else random keys
    monkeypatch.setattr(neighbor_sampler, "_DENSE_KEYS_LIMIT", dense_keys_limit)
    stars, leaves_per_star = 300, 8
    centres = torch.arange(stars) * (leaves_per_star + 1)
    leaves = centres.unsqueeze(1) + torch.arange(1, leaves_per_star + 1)
    edges = torch.stack([leaves.flatten(), centres.repeat_interleave(leaves_per_star)])
    n = stars * (leaves_per_star + 1)
    sampler = NeighborSampler(CsrGraph.from_edge_index(edges, n), edges, [5], seed=2)
    sub = sampler.sample(centres)
    picked = sub.node_ids[stars:]
    assert picked.numel() == stars * 5  # distinct leaves, exactly the fan-out per centre
    share = torch.bincount(picked % (leaves_per_star + 1) - 1) / stars
    assert torch.allclose(share, torch.full((leaves_per_star,), 5 / 8), atol=0.1)
