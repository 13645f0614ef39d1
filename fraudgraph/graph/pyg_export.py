"""Export of the knowledge graph from Neo4j to a PyTorch Geometric ``HeteroData``.

Results are streamed from Bolt (never one query per node); node ids are mapped to indices in the
sorted order of their natural keys, so two exports of the same graph give identical tensors.
Features follow :data:`FEATURE_SCHEMA_VERSION`: a model trained on one version refuses another.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from neo4j import Driver
from torch_geometric.data import HeteroData

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors

FEATURE_SCHEMA_VERSION = "fraudgraph-features/2"
FloatArray = np.ndarray[Any, np.dtype[np.float32]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

#: Record label -> (relationship, entity label) links exported as typed edges.
LINKS: tuple[tuple[str, str, str], ...] = (
    *(("Application", rel, ent) for rel, ent in (
        ("HAS_PHONE", "Phone"), ("HAS_EMAIL", "Email"), ("HAS_ID", "IdNumber"),
        ("HAS_ADDRESS", "Address"), ("WORKS_AT", "Organization"), ("USED_DEVICE", "Device"),
        ("FROM_IP", "IP"))),
    *(("Application", "MENTIONS", ent) for ent in (
        "Phone", "Email", "IdNumber", "BankCard", "Device", "IP", "Address", "Organization",
        "Person")),
    ("Account", "HAS_CARD", "BankCard"),
    ("Transaction", "USED_DEVICE", "Device"),
    ("Transaction", "FROM_IP", "IP"),
    *(("Transaction", "MENTIONS", ent) for ent in ("Phone", "BankCard", "Person", "Organization")),
)  # fmt: skip
#: Amounts just under this (CNY) are a classic structuring signal (large-value reporting).
REPORTING_THRESHOLD = 50_000.0
#: Windows of identifier bursts (many applications from one device / IP within hours).
BURST_WINDOWS: tuple[tuple[str, float], ...] = (("1h", 3_600.0), ("24h", 86_400.0))


@dataclass(slots=True)
class ExportedGraph:
    """The exported graph: tensors plus what is needed to map results back to Neo4j."""

    data: HeteroData
    keys: dict[str, list[str]]  # node type -> natural keys, index order
    feature_names: dict[str, list[str]] = field(default_factory=dict)
    schema_version: str = FEATURE_SCHEMA_VERSION

    def index_of(self, node_type: str) -> dict[str, int]:
        return {k: i for i, k in enumerate(self.keys[node_type])}


class _Table:
    """Key -> index map plus accumulating numeric columns for one node type."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = sorted(set(keys))
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.columns: dict[str, FloatArray] = {}

    def lookup(self, keys: list[str]) -> IntArray:
        return np.fromiter((self.index.get(k, -1) for k in keys), np.int64, len(keys))

    def add(self, name: str, values: FloatArray) -> None:
        self.columns[name] = values.astype(np.float32)


def _stream(driver: Driver, database: str, query: str) -> Iterator[dict[str, Any]]:
    with neo4j_errors(), driver.session(database=database, fetch_size=20_000) as session:
        for record in session.run(query):
            yield dict(record)


class GraphExporter:
    """Streams the graph out of Neo4j and builds typed node features and edges."""

    def __init__(self, driver: Driver, database: str) -> None:
        self._driver = driver
        self._database = database

    def export(self, labels: Mapping[tuple[str, str], int] | None = None) -> ExportedGraph:
        """Export everything. ``labels`` maps (node type, key) -> 0/1 (e.g. reviewed rings)."""
        apps = list(_stream(self._driver, self._database, queries.EXPORT_APPLICATIONS))
        accounts = list(_stream(self._driver, self._database, queries.EXPORT_ACCOUNTS))
        customers = [r["key"] for r in _stream(self._driver, self._database,
                                               queries.EXPORT_CUSTOMERS)]  # fmt: skip
        tables = {
            "Application": _Table([r["key"] for r in apps]),
            "Account": _Table([r["key"] for r in accounts]),
            "Customer": _Table(customers),
        }
        data = HeteroData()
        valid = self._entities(tables)
        self._application_columns(tables["Application"], apps)
        self._structure(data, tables)
        self._links(data, tables)
        self._payments(data, tables)
        self._account_columns(tables["Account"], accounts)
        for name, table in tables.items():
            if name in valid:
                table.add("valid", valid[name])
        return self._finish(data, tables, accounts, labels or {})

    # --- nodes ----------------------------------------------------------------------------------
    def _entities(self, tables: dict[str, _Table]) -> dict[str, FloatArray]:
        valid: dict[str, FloatArray] = {}
        for ent in sorted({e for _, _, e in LINKS}):
            rows = list(_stream(self._driver, self._database, queries.export_entities(ent)))
            tables[ent] = _Table([r["key"] for r in rows])
            flags = np.ones(len(tables[ent].keys), np.float32)
            for r in rows:
                flags[tables[ent].index[r["key"]]] = 1.0 if r["valid"] else 0.0
            valid[ent] = flags
        return valid

    @staticmethod
    def _application_columns(table: _Table, rows: list[dict[str, Any]]) -> None:
        idx = table.lookup([r["key"] for r in rows])
        amount = np.zeros(len(table.keys), np.float32)
        income = np.zeros(len(table.keys), np.float32)
        card = np.zeros(len(table.keys), np.float32)
        time = np.zeros(len(table.keys), np.float32)
        amount[idx] = [float(r["amount"] or 0) for r in rows]
        income[idx] = [float(r["income"] or 0) for r in rows]
        card[idx] = [1.0 if r["product"] == "card" else 0.0 for r in rows]
        time[idx] = [float(r["time"] or 0) for r in rows]
        table.add("log_amount", np.log1p(amount))
        table.add("log_income", np.log1p(income))
        table.add("amount_to_income", np.log1p(amount) - np.log1p(income))
        table.add("is_card", card)
        table.columns["_time"] = time

    @staticmethod
    def _account_columns(table: _Table, rows: list[dict[str, Any]]) -> None:
        idx = table.lookup([r["key"] for r in rows])
        balance = np.zeros(len(table.keys), np.float32)
        balance[idx] = [float(r["init_balance"] or 0) for r in rows]
        table.add("log_init_balance", np.log1p(np.clip(balance, 0, None)))

    # --- edges ----------------------------------------------------------------------------------
    def _edges(self, query: str, src: _Table, dst: _Table) -> IntArray:
        pairs = [(r["src"], r["dst"]) for r in _stream(self._driver, self._database, query)]
        if not pairs:
            return np.zeros((2, 0), np.int64)
        s = src.lookup([p[0] for p in pairs])
        d = dst.lookup([p[1] for p in pairs])
        keep = (s >= 0) & (d >= 0)
        return np.stack([s[keep], d[keep]])

    def _structure(self, data: HeteroData, tables: dict[str, _Table]) -> None:
        for rel, dst, query in (
            ("APPLIED", "Application", "MATCH (c:Customer)-[:APPLIED]->(a:Application) "
             "RETURN c.customer_id AS src, a.application_id AS dst"),
            ("OWNS", "Account", "MATCH (c:Customer)-[:OWNS]->(a:Account) "
             "RETURN c.customer_id AS src, a.account_id AS dst"),
        ):  # fmt: skip
            edges = self._edges(query, tables["Customer"], tables[dst])
            data["Customer", rel, dst].edge_index = torch.from_numpy(edges)
            n = len(tables["Customer"].keys)
            tables["Customer"].add(f"deg_{rel}", np.log1p(np.bincount(edges[0], minlength=n)))

    def _links(self, data: HeteroData, tables: dict[str, _Table]) -> None:
        for src, rel, ent in LINKS:
            owner = "Account" if src == "Transaction" else src
            edges = self._edges(queries.export_links(src, rel, ent), tables[owner], tables[ent])
            if edges.shape[1] == 0:
                continue
            name = f"TXN_{rel}" if src == "Transaction" else rel
            data[owner, name, ent].edge_index = torch.from_numpy(edges)
            _degree_columns(tables, owner, ent, name, edges)
            if owner == "Application":
                _burst_columns(tables[owner], ent, name, edges)

    def _payments(self, data: HeteroData, tables: dict[str, _Table]) -> None:
        accounts = tables["Account"]
        rows = list(_stream(self._driver, self._database, queries.EXPORT_PAYMENTS))
        n = len(accounts.keys)
        src = accounts.lookup([r["src"] for r in rows])
        dst = accounts.lookup([r["dst"] for r in rows])
        amount = np.asarray([float(r["amount"] or 0) for r in rows], np.float64)
        time = np.asarray([float(r["time"] or 0) for r in rows], np.float64)
        data["Account", "PAYS", "Account"].edge_index = torch.from_numpy(np.stack([src, dst]))
        data["Account", "PAYS", "Account"].edge_attr = torch.from_numpy(
            np.stack([np.log1p(amount), _scale(time)], 1).astype(np.float32)
        )
        for side, ids, other in (("out", src, dst), ("in", dst, src)):
            count = np.bincount(ids, minlength=n).astype(np.float32)
            total = np.bincount(ids, weights=amount, minlength=n)
            peak = np.zeros(n)
            np.maximum.at(peak, ids, amount)
            partners = np.bincount(np.unique(ids * n + other) // n, minlength=n) if n else count
            near = np.bincount(ids, weights=(amount >= 0.9 * REPORTING_THRESHOLD)
                               & (amount < REPORTING_THRESHOLD), minlength=n)  # fmt: skip
            accounts.add(f"{side}_count", np.log1p(count))
            accounts.add(f"{side}_amount", np.log1p(total))
            accounts.add(f"{side}_mean", np.log1p(total / np.maximum(count, 1)))
            accounts.add(f"{side}_max", np.log1p(peak))
            accounts.add(f"{side}_partners", np.log1p(partners))
            accounts.add(f"{side}_near_threshold", np.log1p(near))
        first = np.full(n, np.inf)
        last = np.full(n, -np.inf)
        for ids in (src, dst):
            np.minimum.at(first, ids, time)
            np.maximum.at(last, ids, time)
        active = np.where(np.isfinite(first), (last - first) / 86_400.0, 0.0)
        total_count = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
        _flow_columns(accounts, src, dst, amount, time)
        accounts.add("active_days", np.log1p(active))
        accounts.add("velocity", np.log1p(total_count / np.maximum(active, 1.0)))
        accounts.columns["_time"] = np.where(np.isfinite(first), first, 0.0).astype(np.float32)

    # --- assembly -------------------------------------------------------------------------------
    def _finish(
        self,
        data: HeteroData,
        tables: dict[str, _Table],
        accounts: list[dict[str, Any]],
        labels: Mapping[tuple[str, str], int],
    ) -> ExportedGraph:
        feature_names: dict[str, list[str]] = {}
        for name, table in tables.items():
            n = len(table.keys)
            names = sorted(c for c in table.columns if not c.startswith("_"))
            x = np.stack([table.columns[c] for c in names], 1) if names else np.zeros((n, 0))
            data[name].x = torch.from_numpy(np.asarray(x, np.float32))
            data[name].num_nodes = n
            y = np.full(n, -1, np.int64)
            for key, i in table.index.items():
                if (name, key) in labels:
                    y[i] = int(labels[(name, key)])
            if name == "Account":  # imported simulations carry their own ground truth
                for r in accounts:
                    if r["label"] is not None and (name, r["key"]) not in labels:
                        y[table.index[r["key"]]] = int(bool(r["label"]))
            data[name].y = torch.from_numpy(y)
            if "_time" in table.columns:
                data[name].time = torch.from_numpy(table.columns["_time"].astype(np.float64))
            feature_names[name] = names
        return ExportedGraph(data, {k: t.keys for k, t in tables.items()}, feature_names)


def _degree_columns(
    tables: dict[str, _Table], owner: str, ent: str, rel: str, edges: IntArray
) -> None:
    """Per-type degrees and identifier sharing: how many other records use the same value."""
    n_owner, n_ent = len(tables[owner].keys), len(tables[ent].keys)
    ent_degree = np.bincount(edges[1], minlength=n_ent).astype(np.float32)
    tables[ent].add(f"deg_{rel}_{owner}", np.log1p(ent_degree))
    shared = np.zeros(n_owner, np.float32)
    np.maximum.at(shared, edges[0], ent_degree[edges[1]] - 1)
    tables[owner].add(f"deg_{rel}_{ent}", np.log1p(np.bincount(edges[0], minlength=n_owner)))
    tables[owner].add(f"shared_{rel}_{ent}", np.log1p(shared))


def _burst_columns(table: _Table, ent: str, rel: str, edges: IntArray) -> None:
    """Bursts: most other records that used one of this record's identifiers close in time."""
    time = table.columns["_time"].astype(np.float64)[edges[0]]
    n = len(table.keys)
    for label, seconds in BURST_WINDOWS:
        near = count_within(edges[1], time, seconds)
        burst = np.zeros(n, np.float32)
        np.maximum.at(burst, edges[0], near)
        table.add(f"burst_{label}_{rel}_{ent}", np.log1p(burst))


def count_within(
    groups: IntArray, time: np.ndarray[Any, np.dtype[np.float64]], seconds: float
) -> IntArray:
    """Per edge, how many *other* edges of the same group lie within ``seconds`` of its time."""
    order = np.lexsort((time, groups))
    key_group, key_time = groups[order], time[order]
    # one sorted key: groups far apart on a time axis (times are spans of at most decades)
    span = float(key_time.max() - key_time.min()) + 4.0 * seconds + 1.0 if time.size else 1.0
    key = key_group.astype(np.float64) * span + (key_time - (key_time.min() if time.size else 0))
    hi = np.searchsorted(key, key + seconds, side="right")
    lo = np.searchsorted(key, key - seconds, side="left")
    out = np.empty_like(groups)
    out[order] = hi - lo - 1
    return out


def _flow_columns(
    accounts: _Table,
    src: IntArray,
    dst: IntArray,
    amount: np.ndarray[Any, np.dtype[np.float64]],
    time: np.ndarray[Any, np.dtype[np.float64]],
) -> None:
    """Cycles, same-day structuring bursts and amount reuse of every account's payments."""
    import pandas as pd

    from fraudgraph.gnn.data.flow_features import FlowFeatures

    keep = (src >= 0) & (dst >= 0)
    frame = pd.DataFrame(
        {"src": src[keep], "dst": dst[keep], "amount": amount[keep], "time": time[keep] // 86_400}
    )
    table = FlowFeatures().build(frame, len(accounts.keys))
    for name in table.columns:
        accounts.add(f"flow_{name}", table[name].to_numpy(np.float32))


def _scale(values: np.ndarray[Any, np.dtype[np.float64]]) -> np.ndarray[Any, np.dtype[np.float64]]:
    if values.size == 0:
        return values
    span = float(values.max() - values.min())
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)
