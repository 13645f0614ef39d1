"""Breadth-first expansion of a neighbourhood in Neo4j, with hub and size caps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import Driver

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.explore.subgraph import (
    GraphEdge,
    GraphNode,
    Subgraph,
    display_props,
    node_id,
    node_title,
)
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ExploreQueries

#: Identity links, records and rings; money flow (SENT/TO) only when asked for.
IDENTITY_TYPES: tuple[str, ...] = (
    "APPLIED", "OWNS", "HAS_PHONE", "HAS_EMAIL", "HAS_ID", "HAS_ADDRESS", "WORKS_AT",
    "HAS_CARD", "USED_DEVICE", "FROM_IP", "MENTIONS", "SAME_AS", "MEMBER_OF", "BOUND_BY",
)  # fmt: skip
MONEY_TYPES: tuple[str, ...] = ("SENT", "TO")


@dataclass(frozen=True, slots=True)
class ExpandLimits:
    """Bounds of an expansion: hops, hub cap (links), neighbours per node, total nodes."""

    hops: int = 4
    hub_cap: int = 30
    per_node: int = 40
    max_nodes: int = 300
    money: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.hops <= 8:
            raise InvalidInputError("hops must be between 0 and 8", field="hops")
        if self.hub_cap < 2 or self.per_node < 1 or self.max_nodes < 1:
            raise InvalidInputError("caps must be positive (hub cap >= 2)", field="limits")

    @property
    def types(self) -> list[str]:
        return [*IDENTITY_TYPES, *(MONEY_TYPES if self.money else ())]


class NeighbourhoodExpander:
    """Expands from seed nodes hop by hop; hubs are kept as nodes but not expanded."""

    def __init__(self, driver: Driver, database: str) -> None:
        self._driver = driver
        self._database = database

    def element_id(self, label: str, key: str) -> str:
        """Element id of the node ``label``/``key``; NotFoundError when absent."""
        query = ExploreQueries.RING_NODE if label == "Ring" else ExploreQueries.node_id(label)
        params = {"ring_id": key} if label == "Ring" else {"key": key}
        rows = self._run(query, **params)
        if not rows:
            raise NotFoundError(f"no {label} {key!r} in the graph")
        return str(rows[0]["id"])

    def expand(self, seeds: Sequence[tuple[str, str]], limits: ExpandLimits) -> Subgraph:
        """The neighbourhood of ``seeds`` ((label, key) pairs) within ``limits``."""
        start = [self.element_id(lbl, key) for lbl, key in seeds]
        state = _Expansion(limits)
        for row in self._run(ExploreQueries.NODES, ids=start):
            state.add_node(row, hop=0)
        frontier = start  # seeds are always expanded, even a big ring
        for hop in range(1, limits.hops + 1):
            if not frontier or state.truncated:
                break
            rows = self._run(ExploreQueries.EXPAND, ids=frontier, types=limits.types,
                             per_node=limits.per_node)  # fmt: skip
            frontier = state.expandable(state.add_hop(rows, hop))
        return state.result([node_id(lbl, key) for lbl, key in seeds])

    def _run(self, query: str, **params: Any) -> list[Any]:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(query, params, database_=self._database)
        return list(records)


class _Expansion:
    """Accumulates nodes and edges; element ids map to readable ids."""

    def __init__(self, limits: ExpandLimits) -> None:
        self.limits = limits
        self.nodes: dict[str, GraphNode] = {}
        self.by_element: dict[str, str] = {}
        self.edges: dict[tuple[str, str, str], GraphEdge] = {}
        self.truncated = False

    def add_node(self, row: Any, hop: int) -> bool:
        element = str(row["id"])
        if element in self.by_element:
            return False
        if len(self.nodes) >= self.limits.max_nodes:
            self.truncated = True
            return False
        lbl, key, props = str(row["label"]), str(row["key"]), dict(row["props"])
        nid = node_id(lbl, key)
        degree = int(row["degree"])
        self.by_element[element] = nid
        self.nodes[nid] = GraphNode(
            nid, lbl, key, node_title(lbl, key, props), degree, hop,
            hub=hop > 0 and degree > self.limits.hub_cap, props=display_props(props),
        )  # fmt: skip
        return True

    def add_hop(self, rows: list[Any], hop: int) -> list[str]:
        added: list[str] = []
        for row in rows:
            if self.add_node(row, hop):
                added.append(str(row["id"]))
            src, dst = self.by_element.get(str(row["src"])), self.by_element.get(str(row["id"]))
            if src is None or dst is None:
                continue
            a, b = (src, dst) if row["outgoing"] else (dst, src)
            self.edges[(a, b, str(row["type"]))] = GraphEdge(a, b, str(row["type"]))
        return added

    def expandable(self, elements: list[str]) -> list[str]:
        return [e for e in elements if not self.nodes[self.by_element[e]].hub]

    def result(self, seeds: list[str]) -> Subgraph:
        hubs = tuple(n.id for n in self.nodes.values() if n.hub)
        return Subgraph(
            tuple(seeds), tuple(self.nodes.values()), tuple(self.edges.values()),
            self.limits.hops, hubs, self.truncated,
        )  # fmt: skip
