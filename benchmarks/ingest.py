"""Ingest throughput into the local Neo4j: records/s, graph writes/s, CPU and peak memory.

    python benchmarks/ingest.py --applications 100000 --transactions 1000000 [--nlp]
    python benchmarks/ingest.py --world /tmp/world --max-seconds 1800 [--out FILE]
    python benchmarks/ingest.py --applications 100000 --transactions 1000000 --bulk

``--bulk`` measures the bulk first load instead (``fraudgraph ingest --bulk``): from the input
files to the graph online with its constraints, split into transform (parsing, NLP, CSV
files), import (server stop, neo4j-admin import, server start) and schema seconds.

Generates a synthetic world (or loads ``--world``), starts a private Neo4j, loads the world and
prints one JSON object. ``--max-seconds`` stops reading new rows once the budget is spent (the
rates are then over what was loaded, and ``truncated`` is true). Besides wall-clock rates it
reports the CPU seconds used by this process and by Neo4j: on a shared machine the wall clock
measures the contention as much as the code, while writes per CPU second do not.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script too
from benchmarks.bench_env import emit, environment, private_neo4j
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.ingest.bulk_loader import BulkLoader
from fraudgraph.ingest.loader import Loader, LoadSummary
from fraudgraph.ingest.sources import RawRow, SourceFile, synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world


@dataclasses.dataclass(frozen=True, slots=True)
class BudgetedSource(SourceFile):
    """A source file that stops yielding rows once ``deadline`` (perf_counter) has passed."""

    deadline: float = float("inf")

    def rows(self) -> Iterator[RawRow]:
        for row in SourceFile.rows(self):
            if time.perf_counter() > self.deadline:
                return
            yield row


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def _load(args: argparse.Namespace, world: Path, state: Path) -> dict[str, Any]:
    with private_neo4j() as (settings, neo4j_pid):
        driver = create_driver(settings)
        neo4j = psutil.Process(neo4j_pid)
        try:
            init_schema(driver, settings.neo4j_database)
            extractor = EntityExtractor.load()
            gc.freeze()  # as `fraudgraph ingest` does: long-lived models out of the cyclic GC
            loader = Loader(driver, settings.neo4j_database, state_dir=state,
                            extractor=extractor, free_text=args.nlp,
                            batch_size=args.batch_size, progress=True)  # fmt: skip
            started, load_1 = time.perf_counter(), os.getloadavg()[0]
            files = [
                BudgetedSource(f.path, f.kind, f.columns, f.adapter, started + args.max_seconds)
                for f in synth_files(world)
            ]
            cpu_self, cpu_neo4j = time.process_time(), _cpu_seconds(neo4j)
            load = loader.load(world, list(files))
            seconds = time.perf_counter() - started
            cpu_self, cpu_neo4j = time.process_time() - cpu_self, _cpu_seconds(neo4j) - cpu_neo4j
            counts = graph_counts(driver, settings.neo4j_database)
            neo4j_rss = neo4j.memory_info().rss
        finally:
            driver.close()
    return {
        "load": load, "seconds": seconds, "cpu_python": cpu_self, "cpu_neo4j": cpu_neo4j,
        "counts": counts, "neo4j_rss": neo4j_rss, "loadavg": (load_1, os.getloadavg()[0]),
    }  # fmt: skip


def _load_bulk(args: argparse.Namespace, world: Path) -> dict[str, Any]:
    with private_neo4j() as (settings, _):
        extractor = EntityExtractor.load()
        gc.freeze()
        loader = BulkLoader(settings, extractor=extractor, free_text=args.nlp,
                            batch_size=args.batch_size, progress=True)  # fmt: skip
        load_1, cpu_self = os.getloadavg()[0], time.process_time()
        bulk = loader.load(world, synth_files(world))
        cpu_self = time.process_time() - cpu_self
        driver = create_driver(settings)
        try:
            counts = graph_counts(driver, settings.neo4j_database)
        finally:
            driver.close()
    split = {"transform": bulk.transform_s, "import": bulk.import_s, "schema": bulk.schema_s}
    return {
        "load": bulk.load, "seconds": bulk.load.seconds, "cpu_python": cpu_self,
        "child_cpu": {k: round(v, 1) for k, v in bulk.child_cpu.items()},
        "import_tool_peak_memory": bulk.import_tool_peak_memory,
        "split_seconds": {k: round(v, 2) for k, v in split.items()},
        "steps_seconds": {k: round(v, 2) for k, v in bulk.steps.items()},
        "counts": counts, "loadavg": (load_1, os.getloadavg()[0]),
    }  # fmt: skip


def _bulk_metrics(run: dict[str, Any], expected: int) -> dict[str, Any]:
    load: LoadSummary = run["load"]
    seconds, writes = run["seconds"], load.counts.writes
    records = load.loaded + load.rejected
    return {
        "mode": "bulk",
        "records": records,
        "records_in_world": expected,
        "seconds": round(seconds, 2),
        "records_per_s": round(records / seconds, 1),
        "graph_writes": writes,
        "graph_writes_per_s": round(writes / seconds, 1),
        "split_seconds": run["split_seconds"],
        "steps_seconds": run["steps_seconds"],
        "per_file": {
            name: {"loaded": f.loaded, "rejected": f.rejected} for name, f in load.files.items()
        },
        "cpu_seconds_python": round(run["cpu_python"], 1),
        "cpu_seconds_children": run["child_cpu"],  # the transform worker, the import tool
        "load_average_start_end": [round(x, 1) for x in run["loadavg"]],
        "nodes": run["counts"].total_nodes,
        "relationships": run["counts"].total_relationships,
        "rejected": load.rejected,
        "peak_rss_python_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_memory_import_tool": run["import_tool_peak_memory"],  # as the tool reports it
    }


def _metrics(run: dict[str, Any], expected: int) -> dict[str, Any]:
    load: LoadSummary = run["load"]
    seconds, writes = run["seconds"], load.counts.writes
    records = load.loaded + load.rejected
    cpu = run["cpu_python"] + run["cpu_neo4j"]
    return {
        "records": records,
        "records_in_world": expected,
        # Only a load the budget cut short is truncated (the counting after it may overrun).
        "truncated": records < expected,
        "seconds": round(seconds, 2),
        "records_per_s": round(records / seconds, 1),
        "graph_writes": writes,
        "graph_writes_per_s": round(writes / seconds, 1),
        "per_file": {
            name: {"loaded": f.loaded, "rejected": f.rejected} for name, f in load.files.items()
        },
        "cpu_seconds_python": round(run["cpu_python"], 1),
        "cpu_seconds_neo4j": round(run["cpu_neo4j"], 1),
        "graph_writes_per_cpu_second": round(writes / cpu, 1) if cpu else None,
        "load_average_start_end": [round(x, 1) for x in run["loadavg"]],
        "nodes": run["counts"].total_nodes,
        "relationships": run["counts"].total_relationships,
        "rejected": load.rejected,
        "peak_rss_python_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "rss_neo4j_mb": round(run["neo4j_rss"] / 2**20),
    }


def _world_size(world: Path) -> int:
    total = 0
    for source in synth_files(world):
        with source.path.open("rb") as handle:
            total += sum(1 for line in handle if line.strip())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--nlp", action="store_true", help="run NER on free text too")
    parser.add_argument("--world", type=Path, help="load this synth folder instead of generating")
    parser.add_argument("--max-seconds", type=float, default=float("inf"))
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--bulk", action="store_true", help="bulk first load (neo4j-admin)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fraudgraph-world-") as tmp:
        generate_seconds = None
        world = args.world
        if world is None:
            world = Path(tmp) / "world"
            config = WorldConfig(args.applications, args.transactions, seed=args.seed)
            generate_seconds = round(generate_world(world, config).seconds, 2)
            dataset = f"synth(applications={args.applications}, "
            dataset += f"transactions={args.transactions}, seed={args.seed})"
        else:
            manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
            dataset = f"synth folder {world.name}: {json.dumps(manifest, sort_keys=True)}"
        if args.bulk:
            metrics = _bulk_metrics(_load_bulk(args, world), _world_size(world))
        else:
            run = _load(args, world, Path(tmp) / "state")
            metrics = _metrics(run, _world_size(world))
    metrics["generate_seconds"] = generate_seconds
    result = {
        "benchmark": "ingest",
        "dataset": dataset,
        "metrics": metrics,
        "goals": {"graph_writes_per_s": 50_000},
        "environment": environment(
            nlp=args.nlp, batch_size=args.batch_size, max_seconds=args.max_seconds, bulk=args.bulk
        ),
    }
    emit(result, args.out, indent=2)


if __name__ == "__main__":
    main()
