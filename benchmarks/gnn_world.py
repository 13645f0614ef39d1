"""GNN and trees on the synthetic world, through the whole pipeline, split by time.

    python benchmarks/gnn_world.py [--applications 10000] [--transactions 100000]

Generates a world, ingests it into a private Neo4j (structured identifiers resolved by the NLP
stage), exports the graph to PyG, takes the ground-truth labels of applications and of accounts,
and trains on the earliest 60% (by application time / first transfer), validates on the next 20%
and tests on the latest 20%. Prints one JSON object with a row per target node type.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too
from benchmarks.bench_env import environment, private_neo4j
from fraudgraph.gnn.bench.bench_config import BenchConfig
from fraudgraph.gnn.bench.gnn_benchmark import GnnBenchmark
from fraudgraph.gnn.data.exported_graph import exported_dataset
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.pyg_export import GraphExporter
from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.synth.reader import read_labels
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world

NODE_TYPES = {"application": "Application", "account": "Account", "customer": "Customer"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--transactions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--targets", default="Application,Account")
    args = parser.parse_args()
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory(prefix="fraudgraph-gnn-world-") as tmp:
        world = Path(tmp) / "world"
        generate_world(world, WorldConfig(args.applications, args.transactions, seed=args.seed))
        labels = {(NODE_TYPES[x.node_type], x.id): int(x.is_fraud) for x in read_labels(world)}
        with private_neo4j() as (settings, _):
            driver = create_driver(settings)
            try:
                init_schema(driver, settings.neo4j_database)
                Loader(driver, settings.neo4j_database, state_dir=Path(tmp) / "state",
                       extractor=EntityExtractor.load(), free_text=True,
                       progress=False).load(world, synth_files(world))  # fmt: skip
                started = time.perf_counter()
                exported = GraphExporter(driver, settings.neo4j_database).export(labels)
                export_seconds = time.perf_counter() - started
            finally:
                driver.close()
    rows: dict[str, Any] = {}
    for target in args.targets.split(","):
        dataset = exported_dataset(exported, target, name=f"synth-{target.lower()}")
        report = GnnBenchmark(dataset, BenchConfig()).run()
        y, split = dataset.data.y, dataset.splits[0]
        # A small world can leave a pattern (or every positive) out of one part: say so.
        positives = {p: int(y[getattr(split, p)].sum()) for p in ("train", "val", "test")}
        rows[target] = {**report["metrics"], "positives": positives}
    print(json.dumps({
        "benchmark": "gnn-synthetic-world",
        "dataset": f"synth(applications={args.applications}, transactions={args.transactions}, "
                   f"seed={args.seed}), time split 60/20/20",
        "metrics": {"export_seconds": round(export_seconds, 2), **rows},
        "goals": {"auprc": 0.95},
        "environment": environment(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
