"""Small hand-built inputs for the rings unit tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fraudgraph.rings.graph_snapshot import GraphSnapshot, IdentifierLinks, Transfers

HOUR = 3600.0
DAY = 24 * HOUR
T0 = 1_750_000_000.0


def snapshot(links: Sequence[tuple[str, str, str, float]]) -> GraphSnapshot:
    """Links given as (customer, kind, key, at); one application per customer."""
    customers = [c for c, _, _, _ in links]
    records = [f"Application:A-{c}" for c in customers]
    snap = GraphSnapshot(
        links=IdentifierLinks(
            customers=customers,
            records=records,
            kinds=[k for _, k, _, _ in links],
            keys=[v for _, _, v, _ in links],
            ats=np.asarray([t for _, _, _, t in links], dtype=np.float64),
            via_txn=np.zeros(len(links), dtype=bool),
        )
    )
    snap.records_of = {c: [f"Application:A-{c}", f"Account:AC-{c}"] for c in set(customers)}
    snap.owner_of = {f"AC-{c}": c for c in set(customers)}
    return snap


def transfers(rows: Sequence[tuple[str, str, float, float]]) -> Transfers:
    """Transfers given as (payer, payee, amount, at)."""
    return Transfers.from_columns(
        [p for p, _, _, _ in rows],
        [q for _, q, _, _ in rows],
        [a for _, _, a, _ in rows],
        [t for _, _, _, t in rows],
        [f"T{i}" for i in range(len(rows))],
    )
