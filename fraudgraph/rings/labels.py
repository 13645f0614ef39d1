"""Review decisions as training labels for the GNN stage."""

from __future__ import annotations

from neo4j import Driver

from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import RingQueries


def review_labels(driver: Driver, database: str) -> dict[str, int]:
    """``{node_key: label}`` for members of reviewed rings: 1 CONFIRMED, 0 DISMISSED.

    Node keys are ``Label:natural key`` (``Customer:C001``, ``Account:ACC9``). A node in a
    confirmed ring and in a dismissed one is labelled 1: confirmation is the stronger evidence.
    """
    with neo4j_errors():
        records, _, _ = driver.execute_query(RingQueries.REVIEW_LABELS, database_=database)
    return {
        str(r["key"]): int("CONFIRMED" in r["statuses"]) for r in records if r["key"] is not None
    }
