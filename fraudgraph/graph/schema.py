"""Creating the graph's constraints and indexes, idempotently."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors


@dataclass(frozen=True, slots=True)
class SchemaReport:
    constraints: tuple[str, ...]
    indexes: tuple[str, ...]


def init_schema(driver: Driver, database: str) -> SchemaReport:
    """Create every constraint and index of the schema (``IF NOT EXISTS``) and wait for them."""
    with neo4j_errors():
        for statement in (
            *queries.SCHEMA_CONSTRAINTS,
            *queries.RingQueries.RING_SCHEMA,
            *queries.SCHEMA_INDEXES,
        ):
            driver.execute_query(statement, database_=database)
        driver.execute_query(queries.AWAIT_INDEXES, database_=database)
        constraints, _, _ = driver.execute_query(queries.SHOW_CONSTRAINTS, database_=database)
        indexes, _, _ = driver.execute_query(queries.SHOW_INDEXES, database_=database)
    return SchemaReport(
        constraints=tuple(sorted(constraints[0]["names"])),
        indexes=tuple(sorted(indexes[0]["names"])),
    )
