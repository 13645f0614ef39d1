"""Shared entry of `fraudgraph bench gnn` and `benchmarks/gnn.py`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch

from fraudgraph.gnn.bench.bench_config import BenchConfig
from fraudgraph.gnn.bench.gnn_benchmark import GnnBenchmark
from fraudgraph.gnn.data.dataset_catalog import DatasetCatalog


def run_benchmark(
    dataset: str,
    datasets_root: Path,
    config_path: Path | None,
    *,
    splits: int | None = None,
    device: str = "auto",
    progress: bool = False,
    threads: int = 1,
) -> dict[str, Any]:
    """Load ``dataset``, run the GNN benchmark and return its JSON object.

    ``threads`` caps torch's intra-op threads: the published figures are for one core.
    """
    torch.set_num_threads(threads)
    loaded = DatasetCatalog(datasets_root).load(dataset)
    key = dataset if dataset in {"tolokers", "reddit", "amlsim-cycle200"} else "default"
    config = BenchConfig.for_dataset(config_path, key)
    bench = GnnBenchmark(
        loaded,
        config,
        splits=splits,
        device=device,
        progress=progress,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    return bench.run()
