"""Ingest throughput into the local Neo4j: records/s, graph writes/s and peak memory.

    python benchmarks/ingest.py --applications 100000 --transactions 1000000 [--nlp]

Generates a synthetic world, starts a private Neo4j, loads the world and prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too
from benchmarks.bench_env import environment, private_neo4j
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--nlp", action="store_true", help="run NER on free text too")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fraudgraph-world-") as tmp:
        world = Path(tmp) / "world"
        config = WorldConfig(args.applications, args.transactions, seed=args.seed)
        summary = generate_world(world, config)
        with private_neo4j() as (settings, neo4j_pid):
            driver = create_driver(settings)
            try:
                init_schema(driver, settings.neo4j_database)
                loader = Loader(driver, settings.neo4j_database, state_dir=Path(tmp) / "state",
                                extractor=EntityExtractor.load(), free_text=args.nlp,
                                batch_size=args.batch_size, progress=True)  # fmt: skip
                started = time.perf_counter()
                load = loader.load(world, synth_files(world))
                seconds = time.perf_counter() - started
                counts = graph_counts(driver, settings.neo4j_database)
                neo4j_rss = psutil.Process(neo4j_pid).memory_info().rss
            finally:
                driver.close()
    records = load.loaded + load.rejected
    result = {
        "benchmark": "ingest",
        "dataset": f"synth(applications={args.applications}, transactions={args.transactions}, "
        f"seed={args.seed})",
        "metrics": {
            "records": records,
            "seconds": round(seconds, 2),
            "records_per_s": round(records / seconds, 1),
            "graph_writes": load.counts.writes,
            "graph_writes_per_s": round(load.counts.writes / seconds, 1),
            "nodes": counts.total_nodes,
            "relationships": counts.total_relationships,
            "rejected": load.rejected,
            "peak_rss_python_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "rss_neo4j_mb": round(neo4j_rss / 2**20),
            "generate_seconds": round(summary.seconds, 2),
        },
        "goals": {"graph_writes_per_s": 50_000},
        "environment": environment(nlp=args.nlp, batch_size=args.batch_size),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
