"""Benchmark of `fraudgraph synth`: generation rate, peak memory and extrapolation to 1M/10M.

Each world is generated in a fresh subprocess (single-threaded BLAS) so that its peak RSS is its
own. Two sizes are measured; time and memory are extrapolated linearly from them to one million
applications and ten million transactions. Prints one JSON object.

    .venv/bin/python benchmarks/synth.py [--applications 100000] [--transactions 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

_CHILD = """
import json, pathlib, resource, sys, time
from fraudgraph.synth import WorldConfig, generate_world
apps, txs, out = int(sys.argv[1]), int(sys.argv[2]), pathlib.Path(sys.argv[3])
began = time.perf_counter()
summary = generate_world(out, WorldConfig(applications=apps, transactions=txs, seed=1))
seconds = time.perf_counter() - began
size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024, "bytes": size, "counts": summary.counts}))
"""
TARGET_APPS, TARGET_TXS = 1_000_000, 10_000_000


def measure(applications: int, transactions: int) -> dict[str, Any]:
    """Generate one world in a subprocess; return its timing, memory and size."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="synth-bench-") as folder:
        command = [sys.executable, "-c", _CHILD, str(applications), str(transactions), folder]
        done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"generation failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def extrapolate(small: dict[str, Any], large: dict[str, Any], key: str, scale: float) -> float:
    """Linear fit through the two runs (cost grows with the world size), evaluated at ``scale``."""
    x0 = small["counts"]["transactions"]
    x1 = large["counts"]["transactions"]
    slope = (large[key] - small[key]) / (x1 - x0)
    return float(large[key] + slope * (scale - x1))


def _environment(**extra: Any) -> dict[str, Any]:
    """The project's shared environment block (works as a script or with python -m)."""
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks.bench_env import environment

    return environment(**extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    args = parser.parse_args()
    small = measure(args.applications // 10, args.transactions // 10)
    large = measure(args.applications, args.transactions)
    # Applications and transactions keep the 1:10 ratio of the target, so one axis suffices.
    seconds_target = extrapolate(small, large, "seconds", TARGET_TXS)
    cpu_target = extrapolate(small, large, "cpu_seconds", TARGET_TXS)
    rss_target = extrapolate(small, large, "peak_rss_mb", TARGET_TXS)
    metrics = {
        "applications": large["counts"]["applications"],
        "transactions": large["counts"]["transactions"],
        "wall_seconds": round(large["seconds"], 1),
        "cpu_seconds": round(large["cpu_seconds"], 1),
        "applications_per_second": round(large["counts"]["applications"] / large["seconds"]),
        "records_per_second": round(sum(large["counts"].values()) / large["seconds"]),
        "transactions_per_second_overall": round(
            large["counts"]["transactions"] / large["seconds"]
        ),
        "peak_rss_mb": round(large["peak_rss_mb"], 1),
        "output_mb": round(large["bytes"] / 2**20, 1),
        "small_run_wall_seconds": round(small["seconds"], 1),
        "small_run_cpu_seconds": round(small["cpu_seconds"], 1),
        "small_run_peak_rss_mb": round(small["peak_rss_mb"], 1),
        "extrapolated_wall_seconds_1m_apps_10m_tx": round(seconds_target),
        "extrapolated_cpu_seconds_1m_apps_10m_tx": round(cpu_target),
        "extrapolated_peak_rss_mb_1m_apps_10m_tx": round(rss_target),
        "extrapolated_output_gb_1m_apps_10m_tx": round(
            large["bytes"] * TARGET_TXS / large["counts"]["transactions"] / 2**30, 1
        ),
    }
    goals = {
        "wall_seconds": 600,
        "extrapolated_peak_rss_mb_1m_apps_10m_tx": 4096,
    }
    report = {
        "benchmark": "synth",
        "dataset": f"generated world, seed 1 ({args.applications} applications, "
        f"{args.transactions} transactions, 365 days)",
        "metrics": metrics,
        "goals": goals,
        "environment": _environment(
            threads=1,
            cpu_seconds_note="CPU shared with other jobs: wall times are upper bounds, "
            "cpu_seconds is the generator's own time",
        ),
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
