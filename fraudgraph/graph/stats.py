"""Counts of what is in the graph, per label and per relationship type."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors


@dataclass(frozen=True, slots=True)
class GraphCounts:
    nodes: dict[str, int]
    relationships: dict[str, int]

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_relationships(self) -> int:
        return sum(self.relationships.values())


def graph_counts(driver: Driver, database: str) -> GraphCounts:
    with neo4j_errors():
        labels, _, _ = driver.execute_query(queries.COUNT_BY_LABEL, database_=database)
        types, _, _ = driver.execute_query(queries.COUNT_BY_REL_TYPE, database_=database)
    return GraphCounts(
        nodes={str(r["label"]): int(r["n"]) for r in labels if r["n"]},
        relationships={str(r["type"]): int(r["n"]) for r in types if r["n"]},
    )
