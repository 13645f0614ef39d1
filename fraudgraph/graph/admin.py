"""Administrative operations on a whole database (tests, demo resets)."""

from __future__ import annotations

from neo4j import Driver

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors


def wipe_graph(driver: Driver, database: str) -> None:
    """Delete every node and relationship of ``database`` (schema stays)."""
    with neo4j_errors(), driver.session(database=database) as session:
        # CALL ... IN TRANSACTIONS needs an implicit (auto-commit) transaction.
        session.run(queries.WIPE_GRAPH).consume()
