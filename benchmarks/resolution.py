"""Entity-resolution benchmark: pairwise precision / recall per entity type on a synthetic world.

Scores what `fraudgraph nlp resolve-eval` scores (customers, customer ids, and the address and
employer graph keys joined by SAME_AS) against the world's ground truth, and prints one JSON
object. Without ``--world`` it generates a world of ``--applications`` (seed ``--seed``).

    .venv/bin/python benchmarks/resolution.py [--applications 10000] [--seed 7] \
        [--world DIR] [--directory ORGS.tsv] [--out benchmarks/out/resolution_10k.json]

``--directory`` links employers through an organisation directory (ENTRY<TAB>NAME rows), as
the setting ``nlp_organisation_directory`` does at ingest.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # run as a script: `benchmarks` is importable from the root

from benchmarks.bench_env import emit, environment  # noqa: E402
from fraudgraph.nlp.mention_linker import MentionLinker  # noqa: E402
from fraudgraph.nlp.organisation_directory import OrganisationDirectory  # noqa: E402
from fraudgraph.nlp.resolution_evaluator import ResolutionEvaluator  # noqa: E402
from fraudgraph.synth import WorldConfig, generate_world  # noqa: E402
from fraudgraph.synth.world_config import GENERATOR_VERSION  # noqa: E402

#: The issue's goal is for customers; the other types are reported without one.
GOALS = {"customer_precision": 0.98, "customer_recall": 0.98}


def metrics_of(report: dict[str, Any]) -> dict[str, float]:
    """Flat precision / recall per entity type (keys + SAME_AS where both are scored)."""
    metrics: dict[str, float] = {}
    for kind, scored in report["by_type"].items():
        if "keys_and_same_as" in scored:
            metrics[f"{kind}_keys_precision"] = scored["keys"]["precision"]
            metrics[f"{kind}_keys_recall"] = scored["keys"]["recall"]
            scored = scored["keys_and_same_as"]
        metrics[f"{kind}_precision"] = scored["precision"]
        metrics[f"{kind}_recall"] = scored["recall"]
    return metrics


def run(world: Path, directory: Path | None = None) -> tuple[dict[str, float], str]:
    """Evaluate ``world`` (with the organisation ``directory`` if given); the metrics and a
    description of the data."""
    began = time.perf_counter()
    linker = MentionLinker(directory=OrganisationDirectory.load(directory) if directory else None)
    report = ResolutionEvaluator().run_world(world, linker=linker)
    metrics = metrics_of(report)
    metrics["seconds"] = round(time.perf_counter() - began, 1)
    metrics["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest.get("counts", {})
    dataset = (
        f"synthetic world {world.name}: {counts.get('applications', '?')} applications, "
        f"seed {manifest.get('seed')}, generator {manifest.get('generator_version')}"
        + (f"; organisation directory {directory.name}" if directory else "")
    )
    return metrics, dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--world", type=Path, help="an existing synthetic world directory")
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--directory", type=Path, help="organisation directory for employers")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="resolution-bench-") as folder:
        world = args.world
        if world is None:
            world = Path(folder) / f"world_{args.applications}"
            config = WorldConfig(applications=args.applications, seed=args.seed)
            generate_world(world, config)
        metrics, dataset = run(world, args.directory)
    report = {
        "benchmark": "entity_resolution",
        "dataset": dataset,
        "metrics": metrics,
        "goals": GOALS,
        "environment": environment(generator=GENERATOR_VERSION),
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
