"""Serving benchmark: p50/p95/p99 latency, throughput and errors of ScoreTransaction.

Usage: ``python benchmarks/serve.py [--rate 1000] [--duration 20] [--neo4j]``; prints one JSON
object. The same runs as ``fraudgraph bench serve --json FILE``.
"""

from __future__ import annotations

import argparse
import json
import sys

from fraudgraph.service.serve_benchmark import BenchConfig, ServeBenchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--neo4j", action="store_true", help="Load the index from Neo4j.")
    args = parser.parse_args()
    config = BenchConfig(
        applications=args.applications,
        transactions=args.transactions,
        rate=args.rate,
        duration_s=args.duration,
        concurrency=args.concurrency,
        workers=args.workers,
        use_neo4j=args.neo4j,
    )
    report = ServeBenchmark(config).run()
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
