"""Rings of customers bound by shared identifiers (phone, device, ID number, card, IP...).

Connected components of the customer-identifier graph, on sparse matrices. Hub identifiers (a
large employer, a public IP, a company switchboard) would glue thousands of strangers together,
so an identifier shared by more customers than its cap binds nothing; the ones that remain are
weighted IDF-style (1/log2(1 + degree)) and a component larger than ``max_size`` is split into
Louvain communities of that weighted customer graph. Weak identifiers (an address) join a
strongly bound group only when all their users appeared within a week, and a group bound only
by an IP or an address needs three customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from fraudgraph.rings.graph_snapshot import GraphSnapshot, IdentifierLinks
from fraudgraph.rings.ring_candidate import STRONG_KINDS, Binding, RingCandidate, node_key

#: Kinds that are shared legitimately by households or colleagues: tighter cap, less weight.
WEAK_KINDS = frozenset({"Address"})
#: Longest time between the first and the last user of a weak identifier that binds a ring.
WEAK_WINDOW_S = 7 * 86400.0
#: Kinds that strangers share by chance (carrier NAT, one building) ...
SHARED_KINDS = frozenset({"IP", "Address"})
#: ... so a group they alone bind needs this many customers.
MIN_WEAK_CUSTOMERS = 3
#: Kinds that never bind a ring on their own (an employer is shared by design).
EVIDENCE_ONLY = frozenset({"Organization", "Person", "Uscc"})
KIND_WEIGHT = {"IdNumber": 3.0, "BankCard": 3.0, "Phone": 2.0, "Email": 2.0, "Device": 2.0,
               "IP": 1.0, "Address": 0.5}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Indexed:
    """Links factorised into customer and identifier indices, one row per distinct pair."""

    customer_names: npt.NDArray[np.object_]
    ident_names: npt.NDArray[np.object_]  # "Kind\x1fkey"
    cust: npt.NDArray[np.int64]
    ident: npt.NDArray[np.int64]
    first_at: npt.NDArray[np.float64]
    via_txn: npt.NDArray[np.bool_]


class IdentityRingFinder:
    """Finds candidate rings from shared identifiers."""

    def __init__(self, hub_cap: int = 30, weak_cap: int = 8, max_size: int = 80) -> None:
        self.hub_cap = hub_cap
        self.weak_cap = weak_cap
        self.max_size = max_size

    def find(self, snapshot: GraphSnapshot) -> list[RingCandidate]:
        """Candidate rings over the whole snapshot."""
        idx = _index(snapshot.links)
        if len(idx.cust) == 0:
            return []
        degree = np.bincount(idx.ident, minlength=len(idx.ident_names))
        keep = self._binding_mask(idx, degree)
        weights = self._weights(idx, degree)
        weak = np.asarray([n.split("\x1f", 1)[0] in WEAK_KINDS for n in idx.ident_names])
        strong_rows = (keep & ~weak)[idx.ident]
        _, strong_comp = connected_components(self._project(idx, weights, strong_rows))
        alone = np.bincount(strong_comp)[strong_comp] == 1
        # A weak identifier (an address) groups customers nothing strong binds; it joins them
        # to a strongly bound group only when all its users showed up within a week (a ring's
        # address), not at any time of the year (a family sharing a flat with a ring member).
        fast = _span(idx, len(idx.ident_names)) <= WEAK_WINDOW_S
        weak_rows = (keep & weak)[idx.ident] & (alone[idx.cust] | fast[idx.ident])
        rows = strong_rows | weak_rows
        projection = self._project(idx, weights, rows)
        _, comp = connected_components(projection, directed=False)
        groups = _groups(comp)
        by_customer = np.argsort(idx.cust, kind="stable")
        starts = np.searchsorted(idx.cust[by_customer], np.arange(len(idx.customer_names) + 1))
        out: list[RingCandidate] = []
        for members in groups:
            if len(members) < 2:
                continue
            for part in self._split(members, projection):
                link_rows = np.concatenate([by_customer[starts[c] : starts[c + 1]] for c in part])
                cand = self._candidate(part, link_rows, idx, keep, snapshot)
                if not _one_person(cand) and not _thin(cand):
                    out.append(cand)
        return out

    @staticmethod
    def _project(
        idx: _Indexed, weights: npt.NDArray[np.float64], rows: npt.NDArray[np.bool_]
    ) -> sparse.csr_matrix:
        """Weighted customer-customer graph through the identifiers of the selected rows."""
        incidence = sparse.csr_matrix(
            (weights[idx.ident][rows], (idx.cust[rows], idx.ident[rows])),
            shape=(len(idx.customer_names), len(idx.ident_names)),
        )
        return (incidence @ incidence.T).tocsr()

    def _binding_mask(self, idx: _Indexed, degree: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        kinds = np.asarray([name.split("\x1f", 1)[0] for name in idx.ident_names], dtype=object)
        cap = np.where(np.isin(kinds, list(WEAK_KINDS)), self.weak_cap, self.hub_cap)
        usable = ~np.isin(kinds, list(EVIDENCE_ONLY))
        return usable & (degree >= 2) & (degree <= cap)

    @staticmethod
    def _weights(idx: _Indexed, degree: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        kinds = [name.split("\x1f", 1)[0] for name in idx.ident_names]
        base = np.asarray([KIND_WEIGHT.get(k, 1.0) for k in kinds], dtype=np.float64)
        return base / np.log2(1.0 + np.maximum(degree, 1))

    def _split(self, members: list[int], projection: sparse.csr_matrix) -> list[list[int]]:
        """Louvain communities of an oversized component (weighted by shared identifiers)."""
        if len(members) <= self.max_size:
            return [members]
        import networkx as nx

        sub = projection[members][:, members].tocoo()
        graph = nx.Graph()
        graph.add_nodes_from(range(len(members)))
        graph.add_weighted_edges_from(
            (int(i), int(j), float(w))
            for i, j, w in zip(sub.row, sub.col, sub.data, strict=True)
            if i < j
        )
        parts = nx.community.louvain_communities(graph, weight="weight", seed=0)
        return [[members[i] for i in part] for part in parts if len(part) >= 2]

    def _candidate(
        self,
        part: list[int],
        rows: npt.NDArray[np.int64],
        idx: _Indexed,
        keep: npt.NDArray[np.bool_],
        snapshot: GraphSnapshot,
    ) -> RingCandidate:
        """The candidate of customers ``part``; ``rows`` are their link rows."""
        idents = idx.ident[rows]
        shared_ids, counts = np.unique(idents, return_counts=True)
        bindings: list[Binding] = []
        bound_mask = np.zeros(len(rows), dtype=bool)
        for ident, count in zip(shared_ids, counts, strict=True):
            if count < 2 or not (keep[ident] or _is_evidence(idx.ident_names[ident])):
                continue
            kind, key = str(idx.ident_names[ident]).split("\x1f", 1)
            mine = idents == ident
            bound_mask |= mine
            bindings.append(Binding(kind, key, int(count), bool(idx.via_txn[rows[mine]].all())))
        bound = rows[bound_mask]
        times = idx.first_at[bound]
        times = times[times >= 0]
        customers = [str(idx.customer_names[c]) for c in part]
        members = {node_key("Customer", c) for c in customers}
        for c in customers:
            members.update(snapshot.records_of.get(c, ()))
        bindings.sort(key=lambda b: (b.kind not in STRONG_KINDS, -b.members, b.kind, b.key))
        return RingCandidate(
            pattern=_pattern(bindings, times),
            members=frozenset(members),
            bindings=tuple(bindings),
            first_seen=float(times.min()) if len(times) else 0.0,
            last_seen=float(times.max()) if len(times) else 0.0,
            links=len(bound),
            timeline=_timeline(idx, bound),
        )


def _one_person(cand: RingCandidate) -> bool:
    """All customers carry the same ID number: one person registered twice, not a ring."""
    return any(b.kind == "IdNumber" and b.members >= cand.customers for b in cand.bindings)


def _thin(cand: RingCandidate) -> bool:
    """Under three customers bound only by an IP or an address: a shared NAT or a couple."""
    kinds = {b.kind for b in cand.bindings if b.kind not in EVIDENCE_ONLY}
    return cand.customers < MIN_WEAK_CUSTOMERS and kinds <= SHARED_KINDS


def _is_evidence(name: object) -> bool:
    return str(name).split("\x1f", 1)[0] in EVIDENCE_ONLY


def _index(links: IdentifierLinks) -> _Indexed:
    import pandas as pd

    # Hash-based factorisation: sorting millions of Python strings would dominate the run.
    cust, customer_names = pd.factorize(pd.Series(links.customers, dtype=object))
    joined = [f"{k}\x1f{v}" for k, v in zip(links.kinds, links.keys, strict=True)]
    ident, ident_names = pd.factorize(pd.Series(joined, dtype=object))
    cust, ident = cust.astype(np.int64), ident.astype(np.int64)
    pair = cust.astype(np.int64) * max(1, len(ident_names)) + ident
    at = np.where(links.ats < 0, np.inf, links.ats)
    order = np.lexsort((at, pair))  # first (earliest) use of each pair wins
    pair_sorted = pair[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair_sorted[1:] != pair_sorted[:-1]
    chosen = order[first]
    first_at = at[chosen]
    return _Indexed(
        customer_names=np.asarray(customer_names, dtype=object),
        ident_names=np.asarray(ident_names, dtype=object),
        cust=cust[chosen].astype(np.int64),
        ident=ident[chosen].astype(np.int64),
        first_at=np.where(np.isinf(first_at), -1.0, first_at),
        via_txn=links.via_txn[chosen] if len(links.via_txn) else np.zeros(0, dtype=bool),
    )


def _span(idx: _Indexed, n_idents: int) -> npt.NDArray[np.float64]:
    """Seconds between the first and the last customer to use each identifier (inf unknown)."""
    known = idx.first_at >= 0
    first = np.full(n_idents, np.inf)
    last = np.full(n_idents, -np.inf)
    np.minimum.at(first, idx.ident[known], idx.first_at[known])
    np.maximum.at(last, idx.ident[known], idx.first_at[known])
    span = last - first
    return np.where(np.isfinite(span), span, np.inf)


def _groups(labels: npt.NDArray[np.int32]) -> list[list[int]]:
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return [part.tolist() for part in np.split(order, cuts)]


def _pattern(bindings: list[Binding], times: npt.NDArray[np.float64]) -> str:
    kinds = {b.kind for b in bindings if b.kind not in EVIDENCE_ONLY}
    if bindings and all(b.via_transactions for b in bindings if b.kind not in EVIDENCE_ONLY):
        return "mule_network"
    fast = len(times) > 0 and float(times.max() - times.min()) <= 86400.0
    if kinds == {"Device"} and fast:
        return "device_burst"
    if kinds == {"IP"} and fast:
        return "ip_burst"
    return "synthetic_identity" if kinds & STRONG_KINDS else "shared_identifier"


def _timeline(idx: _Indexed, bound: npt.NDArray[np.int64]) -> list[tuple[float, str]]:
    events = []
    for row in bound:
        if idx.first_at[row] < 0:
            continue
        kind = str(idx.ident_names[idx.ident[row]]).split("\x1f", 1)[0]
        events.append((float(idx.first_at[row]), f"{idx.customer_names[idx.cust[row]]} {kind}"))
    events.sort()
    return events[:50]
