"""The real-time fast path (trimmed forward over precomputed node tables) scores like forward."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from torch import Tensor

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.inference import SubgraphScorer
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.seed_plan import SeedPlan
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.sampling.csr_graph import CsrGraph

CONFIGS = [
    # (directed, edge_dim, aggregators, layers)
    (False, 0, ("mean", "std"), 2),
    (False, 0, ("mean", "max", "std"), 3),
    (False, 0, ("max",), 2),
    (True, 3, ("mean", "max", "std"), 2),
    (True, 0, ("mean",), 3),
]


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    """Real-time scoring runs on one thread; two threads on a busy 2-core CI box crawl."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _random_graph(n: int, e: int, edge_dim: int, seed: int) -> tuple[Tensor, Tensor, Tensor | None]:
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=gen)
    edges = torch.randint(0, n, (2, e), generator=gen)
    attr = torch.randn(e, edge_dim, generator=gen) if edge_dim else None
    return x, edges, attr


def _model(
    directed: bool, edge_dim: int, aggregators: tuple[str, ...], layers: int, width: int = 5
) -> SepGNN:
    torch.manual_seed(1)
    model = SepGNN(
        width,
        hidden_channels=16,
        num_layers=layers,
        aggregators=aggregators,
        directed=directed,
        edge_dim=edge_dim,
        message_channels=8,
    )
    return model.eval()


@pytest.mark.parametrize(("directed", "edge_dim", "aggregators", "layers"), CONFIGS)
@pytest.mark.parametrize("num_seeds", [1, 7])
def test_forward_seeds_equals_forward_on_a_random_graph(
    directed: bool, edge_dim: int, aggregators: tuple[str, ...], layers: int, num_seeds: int
) -> None:
    x, edges, attr = _random_graph(120, 300, edge_dim, seed=num_seeds)
    model = _model(directed, edge_dim, aggregators, layers)
    with torch.inference_mode():
        full = model(x, edges, attr)
        trimmed = model.forward_seeds(x, edges, attr, num_seeds=num_seeds)
        # node tables of a bigger graph, read through the ids of this subgraph's nodes
        perm = torch.randperm(120, generator=torch.Generator().manual_seed(3))
        local = torch.empty(120, dtype=torch.long)
        local[perm] = torch.arange(120)
        tables = model.node_tables(x)
        from_tables = model.forward_seeds_from(
            tables, perm, local[edges], attr, num_seeds=num_seeds
        )
    assert trimmed.shape == (num_seeds,)
    assert torch.allclose(trimmed, full[:num_seeds], atol=1e-5)
    assert torch.allclose(from_tables, full[perm[:num_seeds]], atol=1e-5)


def test_plan_trims_a_hop_ordered_subgraph() -> None:
    # a path 0 - 1 - 2 - 3 - 4 - 5 in hop order from seed 0, stored in both directions
    line = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    edges = torch.cat([line, line.flip(0)], dim=1)
    model = _model(False, 0, ("mean", "std"), 2)
    plan = model.plan(edges, num_seeds=1, num_nodes=6)
    # the head needs node 0; layer 1 its neighbour 1 too; the encoder reaches node 2
    assert plan.rows == [3, 2, 1]
    assert [view.dst.tolist() for view in plan.views[1]] == [[0]]
    assert sorted(plan.views[0][0].dst.tolist()) == [0, 1, 1]
    directed = SeedPlan.build(edges[:, :5], num_seeds=1, num_nodes=6, directed=[True, True])
    assert directed.rows == [3, 2, 1]  # outgoing links count for a directed layer
    assert len(directed.views[0]) == 2


def test_forward_seeds_rejects_a_sparse_adjacency() -> None:
    x, edges, _ = _random_graph(10, 30, 0, seed=0)
    adjacency = CsrGraph.from_edge_index(edges, 10).to_sparse_adjacency()
    with pytest.raises(InvalidInputError):
        _model(False, 0, ("mean", "std"), 2).forward_seeds(x, adjacency, num_seeds=1)


def _scorers(directed: bool, edge_dim: int) -> tuple[SubgraphScorer, SubgraphScorer]:
    x, edges, attr = _random_graph(3_000, 40_000, edge_dim, seed=5)
    transform = InputTransform("neighbour", directed)
    width = transform.fit(x, edges).size(1)
    model = _model(directed, edge_dim, ("mean", "max", "std"), 2, width)
    return tuple(  # type: ignore[return-value]
        SubgraphScorer(
            model, transform, x, edges, attr, directed=directed, fanouts=(10, 5), fast=fast
        )
        for fast in (True, False)
    )


@pytest.mark.parametrize(("directed", "edge_dim"), [(False, 0), (True, 2)])
def test_scorer_fast_path_gives_the_plain_scores(directed: bool, edge_dim: int) -> None:
    fast, plain = _scorers(directed, edge_dim)
    assert fast.tables is not None
    assert plain.tables is None
    for start in range(0, 40, 4):
        nodes = torch.arange(start, start + 4) * 37
        # both samplers start from the same seed, so they draw the same subgraphs
        assert torch.allclose(fast.score(nodes), plain.score(nodes), atol=1e-5)
    gap = fast.fast_path_gap(torch.arange(20))
    assert 0.0 <= gap <= 1e-5
    assert plain.fast_path_gap(torch.arange(20)) == 0.0


def test_scorer_fast_path_trims_the_sampled_subgraph() -> None:
    fast, _ = _scorers(False, 0)
    sub = fast.subgraph(torch.tensor([11]))
    model = fast.model
    assert isinstance(model, SepGNN)
    plan = model.plan(sub.edge_index, sub.num_seeds, sub.num_nodes)
    hop1 = torch.unique(sub.edge_index[0, sub.edge_index[1] == 0])
    assert plan.rows[2] == 1
    assert plan.rows[1] == 1 + hop1.numel() < sub.num_nodes
