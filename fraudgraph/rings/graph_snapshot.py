"""The part of the graph the ring detectors need, read with a few batched queries into arrays."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from neo4j import Driver

from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import RingQueries

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class IdentifierLinks:
    """Customer-identifier links, one row per (record, identifier)."""

    customers: list[str]
    records: list[str]  # member keys, ``Label:id``
    kinds: list[str]
    keys: list[str]
    ats: FloatArray  # epoch seconds; -1 when unknown
    via_txn: npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Transfers:
    """Account-to-account transfers as parallel arrays; accounts are indices into ``accounts``."""

    accounts: list[str]
    payer: IntArray
    payee: IntArray
    amount: FloatArray
    at: FloatArray
    ids: list[str]

    @classmethod
    def from_columns(
        cls,
        payers: list[str],
        payees: list[str],
        amounts: list[float],
        ats: list[float],
        ids: list[str],
    ) -> Transfers:
        """Index account names and sort everything by time."""
        names, inverse = np.unique(np.asarray(payers + payees, dtype=object), return_inverse=True)
        n = len(payers)
        at = np.asarray(ats, dtype=np.float64)
        order = np.argsort(at, kind="stable")
        return cls(
            accounts=[str(a) for a in names],
            payer=inverse[:n].astype(np.int64)[order],
            payee=inverse[n:].astype(np.int64)[order],
            amount=np.asarray(amounts, dtype=np.float64)[order],
            at=at[order],
            ids=[ids[i] for i in order],
        )

    def __len__(self) -> int:
        return len(self.payer)


@dataclass(slots=True)
class GraphSnapshot:
    """Identifier links, each customer's records, account owners and transfers."""

    links: IdentifierLinks
    records_of: dict[str, list[str]] = field(default_factory=dict)  # customer -> member keys
    owner_of: dict[str, str] = field(default_factory=dict)  # account id -> customer id
    record_at: dict[str, float] = field(default_factory=dict)  # member key -> epoch seconds
    transfers: Transfers | None = None


def _single(driver: Driver, database: str, query: str, **params: Any) -> dict[str, Any]:
    with neo4j_errors():
        records, _, _ = driver.execute_query(query, params, database_=database)
    return dict(records[0]) if records else {}


def load_transfers(
    driver: Driver, database: str, start: datetime | None = None, end: datetime | None = None
) -> Transfers:
    """All transfers with ``start <= timestamp < end`` (open ends when None)."""
    row = _single(driver, database, RingQueries.EXPORT_TRANSFERS, start=start, end=end)
    return Transfers.from_columns(
        list(row.get("payers", [])),
        list(row.get("payees", [])),
        [float(a) for a in row.get("amounts", [])],
        [float(a) for a in row.get("ats", [])],
        list(row.get("ids", [])),
    )


def load_snapshot(driver: Driver, database: str, *, with_transfers: bool = True) -> GraphSnapshot:
    """Read what detection needs: three whole-graph queries returning column lists."""
    row = _single(driver, database, RingQueries.EXPORT_LINKS)
    links = IdentifierLinks(
        customers=list(row.get("customers", [])),
        records=list(row.get("records", [])),
        kinds=list(row.get("kinds", [])),
        keys=list(row.get("keys", [])),
        ats=np.asarray(row.get("ats", []), dtype=np.float64),
        via_txn=np.asarray(row.get("via_txn", []), dtype=bool),
    )
    snapshot = GraphSnapshot(links=links)
    rec = _single(driver, database, RingQueries.EXPORT_RECORDS)
    records_of: dict[str, list[str]] = defaultdict(list)
    for customer, record, at in zip(
        rec.get("customers", []), rec.get("records", []), rec.get("ats", []), strict=True
    ):
        records_of[customer].append(record)
        snapshot.record_at[record] = float(at)
        if record.startswith("Account:"):
            snapshot.owner_of[record.removeprefix("Account:")] = customer
    snapshot.records_of = dict(records_of)
    if with_transfers:
        snapshot.transfers = load_transfers(driver, database)
    return snapshot
