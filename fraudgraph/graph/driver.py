"""Creating the Neo4j driver from Settings and checking that the server answers.

The driver is created once, by an entrypoint, and passed to whatever needs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver, GraphDatabase

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.settings import Settings


def create_driver(settings: Settings) -> Driver:
    """A driver for the configured server; the caller owns it and must close it."""
    with neo4j_errors():
        return GraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            connection_timeout=settings.neo4j_connection_timeout_s,
            max_connection_pool_size=settings.neo4j_max_pool_size,
            # Fail fast: a bank system waiting on us must not wait for driver retries.
            max_transaction_retry_time=15.0,
            # Export and screening queries name labels that a given graph may not hold yet.
            notifications_disabled_categories=["UNRECOGNIZED"],
        )


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What `fraudgraph neo4j status` shows."""

    address: str
    agent: str
    version: str
    edition: str
    database: str
    nodes: int
    relationships: int


def check_connectivity(driver: Driver, database: str) -> ServerInfo:
    """Verify that Bolt answers and the credentials work; return the server's description."""
    with neo4j_errors():
        driver.verify_connectivity()
        info = driver.get_server_info()
        records, _, _ = driver.execute_query(queries.DBMS_COMPONENTS, database_="system")
        component = records[0]
        counts, _, _ = driver.execute_query(queries.COUNT_GRAPH, database_=database)
    return ServerInfo(
        address=str(info.address),
        agent=info.agent,
        version=str(component["versions"][0]),
        edition=str(component["edition"]),
        database=database,
        nodes=int(counts[0]["nodes"]),
        relationships=int(counts[0]["relationships"]),
    )
