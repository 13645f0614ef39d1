"""The latency-only benchmark times capped subgraphs without training a model."""

from __future__ import annotations

from torch_geometric.data import Data

from fraudgraph.gnn.bench.bench_config import BenchConfig
from fraudgraph.gnn.bench.gnn_benchmark import GnnBenchmark
from fraudgraph.gnn.data.graph_dataset import GraphDataset


def test_latency_only_respects_the_fanout_cap(planted_graph: Data) -> None:
    dataset = GraphDataset.from_data("planted", planted_graph, directed=False, seeds=1)
    bench = GnnBenchmark(dataset, BenchConfig(), latency_fanouts=(4, 3))
    report = bench.latency_only(requests=40)
    metrics = report["metrics"]
    assert report["benchmark"] == "gnn-inference"
    capped = metrics["inference.max_subgraph_nodes"]
    assert 1 < capped <= 1 + 4 + 4 * 3
    # The cap must be what bounds the size: the same nodes with wide fan-outs reach further.
    wide = GnnBenchmark(dataset, BenchConfig(), latency_fanouts=(50, 50)).latency_only(requests=40)
    assert wide["metrics"]["inference.max_subgraph_nodes"] > 1 + 4 + 4 * 3
    assert 0 < metrics["inference.p50_ms"] <= metrics["inference.p99_ms"]
    goal = report["goals"]["inference_p99_ms<=5.0"]
    assert goal["met"] == (metrics["inference.p99_ms"] <= 5.0)
    assert report["environment"]["fanouts"] == [4, 3]
