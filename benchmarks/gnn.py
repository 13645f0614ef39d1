"""GNN benchmark on the public fraud graphs; prints one JSON object.

Usage: python benchmarks/gnn.py --dataset tolokers|reddit|amlsim-cycle200|PATH [--splits N]
Same code as `fraudgraph bench gnn`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fraudgraph.gnn.bench.runner import run_benchmark

PROJECT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Parse arguments, run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="tolokers")
    parser.add_argument("--splits", type=int, default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, default=None, help="also write the JSON here")
    parser.add_argument("--config", type=Path, default=PROJECT / "gnn" / "bench.json")
    args = parser.parse_args()
    result = run_benchmark(
        args.dataset,
        PROJECT.parent / "shared" / "datasets",
        args.config,
        splits=args.splits,
        device=args.device,
    )
    text = json.dumps(result, indent=2)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
