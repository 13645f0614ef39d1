"""GNN benchmark on the public fraud graphs; prints one JSON object.

Usage: python benchmarks/gnn.py --dataset tolokers|reddit|amlsim-cycle200|PATH [--splits N]
Same code as `fraudgraph bench gnn`. ``--latency-only --fanouts 30,15`` times single-node
scoring of subgraphs of at most 1 + 30 + 30 * 15 = 481 nodes without training (the cost of a
forward pass does not depend on the weights).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch

from fraudgraph.gnn.bench.bench_config import BenchConfig
from fraudgraph.gnn.bench.gnn_benchmark import GnnBenchmark
from fraudgraph.gnn.bench.runner import run_benchmark
from fraudgraph.gnn.data.dataset_catalog import KNOWN, DatasetCatalog

PROJECT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Parse arguments, run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="tolokers")
    parser.add_argument("--splits", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    parser.add_argument("--config", type=Path, default=PROJECT / "gnn" / "bench.json")
    parser.add_argument("--latency-only", action="store_true")
    parser.add_argument("--fanouts", default="30,15", help="latency-only: per-hop fan-outs")
    args = parser.parse_args()
    if args.latency_only:
        _emit(_latency(args), args.json)
        return
    result = run_benchmark(
        args.dataset,
        PROJECT.parent / "shared" / "datasets",
        args.config,
        splits=args.splits,
        device=args.device,
    )
    _emit(result, args.json)


def _latency(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(1)
    dataset = DatasetCatalog(PROJECT.parent / "shared" / "datasets").load(args.dataset, seeds=1)
    known = args.dataset if args.dataset in KNOWN else "default"
    fanouts = tuple(int(f) for f in args.fanouts.split(","))
    bench = GnnBenchmark(
        dataset, BenchConfig.for_dataset(args.config, known), latency_fanouts=fanouts
    )
    return bench.latency_only()


def _emit(result: dict[str, Any], path: Path | None) -> None:
    text = json.dumps(result, indent=2)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
