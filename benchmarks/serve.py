"""Serving benchmark: p50/p95/p99 latency, throughput and errors of ScoreTransaction.

Usage: ``python benchmarks/serve.py [--rate 1000] [--duration 20] [--streams 8] [--processes 2]
[--neo4j-uri bolt://host:7687] [--models-dir var/models] [--client go|node|python]
[--kernel-spread] [--flush-batch N] [--flush-min-s S] [--json FILE]``; prints one JSON object
(also written to ``--json``). The same runs as ``fraudgraph bench serve``. The client spreads
its connections round-robin over the server processes' own ports unless ``--kernel-spread``
(all to the shared port: the kernel's SO_REUSEPORT hash places them).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fraudgraph.service.serve_benchmark import BenchConfig, ServeBenchmark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--processes", type=int, default=2, help="Server processes sharing the port (2 cores)."
    )
    parser.add_argument("--neo4j", action="store_true", help="Load the index from Neo4j.")
    parser.add_argument("--neo4j-uri", help="Neo4j to load the index from (implies --neo4j).")
    parser.add_argument("--models-dir", type=Path, help="Serve this registry's promoted GNN.")
    parser.add_argument("--streams", type=int, default=0, help="ScoreStream streams; 0 unary.")
    parser.add_argument("--json", type=Path, help="Also write the JSON object here.")
    parser.add_argument(
        "--kernel-spread",
        action="store_true",
        help="Connect to the shared port only (the kernel picks each connection's process).",
    )
    parser.add_argument(
        "--flush-batch", type=int, default=5000, help="Outbox events per Neo4j transaction."
    )
    parser.add_argument(
        "--flush-min-s", type=float, default=2.0, help="Least seconds between outbox flushes."
    )
    parser.add_argument(
        "--warmup-s",
        type=float,
        default=10.0,
        help="Unmeasured load at the full rate first (with Neo4j, then flushed).",
    )
    parser.add_argument(
        "--client-warmup-s",
        type=float,
        default=2.0,
        help="Unmeasured first seconds of the measured run's own client (same connections).",
    )
    parser.add_argument(
        "--client",
        choices=("go", "node", "python"),
        default="go",
        help="Load generator: go (clients/go, the cheapest), node (clients/node) or python.",
    )
    args = parser.parse_args()
    config = BenchConfig(
        applications=args.applications,
        transactions=args.transactions,
        rate=args.rate,
        duration_s=args.duration,
        concurrency=args.concurrency,
        workers=args.workers,
        use_neo4j=args.neo4j or args.neo4j_uri is not None,
        neo4j_uri=args.neo4j_uri,
        models_dir=args.models_dir,
        streams=args.streams,
        client=args.client,
        processes=args.processes,
        spread=not args.kernel_spread,
        flush_batch=args.flush_batch,
        flush_min_s=args.flush_min_s,
        warmup_s=args.warmup_s,
        client_warmup_s=args.client_warmup_s,
    )
    report = ServeBenchmark(config).run()
    text = json.dumps(report, ensure_ascii=False)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
