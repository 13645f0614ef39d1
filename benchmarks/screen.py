"""Benchmark of batch AML screening: throughput and recall of planted typologies. One JSON object.

Builds a year of background transfers (80% to merchants with a Zipf skew, 20% person to
person) with planted fan-in, fan-out, cycle, scatter-gather and gather-scatter structures, runs
:class:`TransactionScreener` on the arrays (what ``fraudgraph screen`` runs after its Neo4j
export) and checks that each planted structure sits in one alert (>= 80% of its accounts, <= 20%
outsiders). Two sizes are measured; the time is extrapolated linearly to 10M transfers.
``--world DIR`` also screens every transfer of a ``fraudgraph synth`` world and reports the recall
of its planted money-flow rings (accounts >= 80% in one alert, <= 20% outsiders).

    .venv/bin/python benchmarks/screen.py [--transactions 1000000] [--planted 40] [--world DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from fraudgraph.rings.flow_ring_finder import FlowRingFinder
from fraudgraph.rings.graph_snapshot import Transfers
from fraudgraph.rings.transaction_screener import TransactionScreener

DAY = 86400.0
YEAR = 365 * DAY
TARGET = 10_000_000
Rows = list[tuple[str, str, float, float]]


def _background(n: int, rng: np.random.Generator) -> Rows:
    people, merchants = max(1000, n // 10), max(100, n // 200)
    payer = rng.integers(0, people, n)
    to_shop = rng.random(n) < 0.8
    shop = np.minimum(rng.zipf(1.3, n), merchants) - 1
    peer = rng.integers(0, people, n)
    at = rng.random(n) * YEAR
    amount = np.round(rng.lognormal(4.0, 1.2, n), 2)
    payee = np.where(to_shop, [f"m{s}" for s in shop], [f"p{q}" for q in peer])
    return [
        (f"p{a}", str(b), float(c), float(d))
        for a, b, c, d in zip(payer, payee, amount, at, strict=True)
    ]


def _plant(kind: str, k: int, rng: np.random.Generator) -> tuple[Rows, set[str]]:
    t0 = float(rng.random() * (YEAR - 5 * DAY))
    size = int(rng.integers(6, 12))
    name = [f"{kind}{k}-{i}" for i in range(size + 2)]
    hop = [t0 + i * 2 * 3600.0 for i in range(2 * size + 2)]
    amt = float(rng.integers(5, 50) * 1000)
    rows: Rows
    if kind == "fan_in":
        rows = [(name[i], name[-1], amt, hop[i]) for i in range(size)]
    elif kind == "fan_out":
        rows = [(name[-1], name[i], amt, hop[i]) for i in range(size)]
    elif kind == "cycle":
        ring = name[: min(size, 6)]
        rows = [(ring[i], ring[(i + 1) % len(ring)], amt, hop[i]) for i in range(len(ring))]
    elif kind == "scatter_gather":
        rows = [(name[-2], name[i], amt, hop[i]) for i in range(size)]
        rows += [(name[i], name[-1], amt * 0.97, hop[size + i]) for i in range(size)]
    else:  # gather_scatter
        half = size // 2 + 3
        rows = [(name[i], name[-1], amt, hop[i]) for i in range(half)]
        rows += [(name[-1], f"{kind}{k}-o{i}", amt, hop[half + i]) for i in range(half)]
    return rows, {a for r in rows for a in r[:2]}


KINDS = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter")


def measure(n: int, planted: int, seed: int) -> dict[str, Any]:
    """Screen ``n`` background transfers plus ``planted`` structures of each kind."""
    rng = np.random.default_rng(seed)
    rows = _background(n, rng)
    truth: list[tuple[str, set[str]]] = []
    for kind in KINDS:
        for k in range(planted):
            extra, accounts = _plant(kind, k, rng)
            rows += extra
            truth.append((kind, accounts))
    transfers = Transfers.from_columns(
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [str(i) for i in range(len(rows))],
    )
    del rows
    screener = TransactionScreener(FlowRingFinder(window_s=4 * DAY))
    began = time.perf_counter()
    alerts = screener.screen(transfers, min_score=0.5)
    seconds = time.perf_counter() - began
    sets = [set(a.accounts) for a in alerts]
    found: dict[str, list[int]] = {k: [] for k in KINDS}
    for kind, accounts in truth:
        hit = any(
            len(accounts & s) >= 0.8 * len(accounts) and len(s - accounts) <= 0.2 * len(s)
            for s in sets
        )
        found[kind].append(int(hit))
    planted_accounts = set().union(*(a for _, a in truth))
    precise = [len(s & planted_accounts) >= 0.8 * len(s) for s in sets]
    return {
        "transfers": len(transfers),
        "seconds": seconds,
        "alerts": len(alerts),
        "recall": float(np.mean([h for v in found.values() for h in v])),
        "recall_by_typology": {k: round(float(np.mean(v)), 3) for k, v in found.items()},
        "precision": float(np.mean(precise)) if precise else 0.0,
    }


WORLD_TYPOLOGIES = ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter",
                    "mule_network", "bust_out")  # fmt: skip


def _world_transfers(world: Path) -> Transfers:
    cols: dict[str, list[Any]] = {"payer": [], "payee": [], "amount": [], "at": [], "id": []}
    with (world / "transactions.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            cols["payer"].append(row["payer_account"])
            cols["payee"].append(row["payee_account"])
            cols["amount"].append(float(row["amount"]))
            cols["at"].append(datetime.fromisoformat(row["timestamp"]).timestamp())
            cols["id"].append(row["transaction_id"])
    return Transfers.from_columns(cols["payer"], cols["payee"], cols["amount"], cols["at"],
                                  cols["id"])  # fmt: skip


def world_run(world: Path) -> dict[str, Any]:
    """Screen every transfer of a ``fraudgraph synth`` world; recall of its planted flow rings
    (their accounts, >= 80% in one alert with <= 20% outsiders)."""
    began = time.perf_counter()
    transfers = _world_transfers(world)
    read_s = time.perf_counter() - began
    screener = TransactionScreener(FlowRingFinder(window_s=4 * DAY))
    began = time.perf_counter()
    alerts = screener.screen(transfers, min_score=0.5)
    seconds = time.perf_counter() - began
    sets = [set(a.accounts) for a in alerts]
    found: dict[str, list[int]] = {k: [] for k in WORLD_TYPOLOGIES}
    for line in (world / "truth" / "rings.jsonl").read_text().splitlines():
        ring = json.loads(line)
        if ring["pattern"] in found:
            accounts = {m["id"] for m in ring["members"] if m["node_type"] == "account"}
            hit = any(
                len(accounts & s) >= 0.8 * len(accounts) and len(s - accounts) <= 0.2 * len(s)
                for s in sets
            )
            found[ring["pattern"]].append(int(hit))
    return {
        "world": str(world),
        "world_transfers": len(transfers),
        "world_read_seconds": round(read_s, 1),
        "world_screen_seconds": round(seconds, 1),
        "world_alerts": len(alerts),
        "world_recall": round(float(np.mean([h for v in found.values() for h in v])), 3),
        "world_recall_by_typology": {k: round(float(np.mean(v)), 3) for k, v in found.items()},
        "world_planted_by_typology": {k: len(v) for k, v in found.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--planted", type=int, default=40, help="Structures of each typology.")
    parser.add_argument("--world", type=Path, default=None, help="Also screen a synth world.")
    args = parser.parse_args()
    small = measure(args.transactions // 4, args.planted, seed=1)
    large = measure(args.transactions, args.planted, seed=2)
    slope = (large["seconds"] - small["seconds"]) / (large["transfers"] - small["transfers"])
    target_s = large["seconds"] + slope * (TARGET - large["transfers"])
    metrics = {
        "transfers": large["transfers"],
        "screen_seconds": round(large["seconds"], 1),
        "transfers_per_second": round(large["transfers"] / large["seconds"]),
        "alerts": large["alerts"],
        "recall": round(large["recall"], 3),
        "recall_by_typology": large["recall_by_typology"],
        "alert_precision": round(large["precision"], 3),
        "small_run_transfers": small["transfers"],
        "small_run_seconds": round(small["seconds"], 1),
        "small_run_recall": round(small["recall"], 3),
        "extrapolated_seconds_10m": round(target_s),
        "extrapolation": "linear through the two measured sizes, not a measurement",
    }
    if args.world is not None:
        metrics.update(world_run(args.world))
    report = {
        "benchmark": "screen",
        "dataset": f"generated transfers with {args.planted} planted structures per typology"
        + (f"; synthetic world {args.world}" if args.world else ""),
        "metrics": metrics,
        "goals": {"extrapolated_seconds_10m": 600, "recall": 0.95},
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "note": "arrays only: the Neo4j export of the period is not included; "
            "2 CPU cores shared with other engineers",
        },
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
