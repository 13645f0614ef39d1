"""The latency-only benchmark times capped subgraphs without training a model."""

from __future__ import annotations

import torch
from torch_geometric.data import Data

from fraudgraph.gnn.bench.bench_config import BenchConfig
from fraudgraph.gnn.bench.gnn_benchmark import GnnBenchmark
from fraudgraph.gnn.data.graph_dataset import GraphDataset
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.neighbor_sampler import NeighborSampler

#: Most nodes a (4, 3) fan-out can reach: the seed, 4 neighbours, 3 of each of theirs.
CAPPED_MAX = 1 + 4 + 4 * 3


def _neighbourhood_sizes(graph: Data, fanouts: tuple[int, ...]) -> list[int]:
    """Sampled neighbourhood size of every node of ``graph`` under ``fanouts``."""
    csr = CsrGraph.from_edge_index(graph.edge_index, graph.num_nodes)
    sampler = NeighborSampler(csr, graph.edge_index, fanouts)
    return [sampler.sample(torch.tensor([n])).num_nodes for n in range(graph.num_nodes)]


def test_latency_only_respects_the_fanout_cap(planted_graph: Data) -> None:
    dataset = GraphDataset.from_data("planted", planted_graph, directed=False, seeds=1)
    bench = GnnBenchmark(dataset, BenchConfig(), latency_fanouts=(4, 3))
    report = bench.latency_only(requests=40)
    metrics = report["metrics"]
    assert report["benchmark"] == "gnn-inference"
    capped = metrics["inference.max_subgraph_nodes"]
    full = _neighbourhood_sizes(planted_graph, (10**6, 10**6))
    assert max(full) > CAPPED_MAX  # some 2-hop neighbourhoods exceed the cap...
    assert capped <= CAPPED_MAX  # ...and no timed subgraph does
    # every timed request took its node and at least one neighbour on average
    assert metrics["inference.mean_subgraph_nodes"] > 1
    # The cap must be what bounds the size: the same nodes with wide fan-outs reach further.
    wide = GnnBenchmark(dataset, BenchConfig(), latency_fanouts=(50, 50)).latency_only(requests=40)
    assert wide["metrics"]["inference.max_subgraph_nodes"] > CAPPED_MAX
    assert 0 < metrics["inference.p50_ms"] <= metrics["inference.p99_ms"]
    goal = report["goals"]["inference_p99_ms<=5.0"]
    assert goal["met"] == (metrics["inference.p99_ms"] <= 5.0)
    assert report["environment"]["fanouts"] == [4, 3]


def test_each_node_samples_its_cap_or_its_whole_neighbourhood(planted_graph: Data) -> None:
    """The sampler behind the benchmark: at most the fan-out's worth of a large neighbourhood,
    and the first hop's cap (or all of a smaller first hop) always taken."""
    capped = _neighbourhood_sizes(planted_graph, (4, 3))
    full = _neighbourhood_sizes(planted_graph, (10**6, 10**6))
    first_hop = _neighbourhood_sizes(planted_graph, (10**6,))
    assert all(c <= min(f, CAPPED_MAX) for c, f in zip(capped, full, strict=True))
    assert all(c >= min(h, 1 + 4) for c, h in zip(capped, first_hop, strict=True))
    assert any(f > CAPPED_MAX for f in full)  # the graph has hubs the cap must cut
