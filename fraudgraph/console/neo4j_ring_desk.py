"""The console's rings, read from and reviewed in Neo4j through the rings stage's RingStore."""

from __future__ import annotations

from typing import Any, Final

from neo4j import Driver

from fraudgraph.console.ring_desk import BindingEdge, MemberEdge
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ConsoleQueries
from fraudgraph.rings.ring_store import RingStore

EDGE_LIMIT: Final = 2000


class Neo4jRingDesk:
    """RingStore for reads and reviews (one audit trail for CLI, gRPC and console), plus edges."""

    def __init__(self, driver: Driver, database: str) -> None:
        self._driver = driver
        self._database = database
        self._store = RingStore(driver, database)

    def list_rings(
        self, status: str | None = None, min_score: float = 0.0, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Active rings, highest score first."""
        return self._store.list_rings(status, min_score, limit)

    def get(self, ring_id: str) -> dict[str, Any]:
        """A ring with members and audit trail; NotFoundError when unknown."""
        return self._store.get(ring_id)

    def review(
        self,
        ring_id: str,
        decision: str,
        reviewer: str,
        note: str = "",
        assignee: str | None = None,
    ) -> str:
        """Move the ring to ``decision``, appending the audit event; the previous status."""
        return self._store.review(ring_id, decision, reviewer, note, assignee)

    def edges(self, ring_id: str) -> tuple[list[BindingEdge], list[MemberEdge]]:
        """Identifier-member links of the ring's bindings and links between its members."""
        with neo4j_errors():
            bound, _, _ = self._driver.execute_query(
                ConsoleQueries.RING_BINDING_EDGES,
                ring_id=ring_id, limit=EDGE_LIMIT, database_=self._database,
            )  # fmt: skip
            linked, _, _ = self._driver.execute_query(
                ConsoleQueries.RING_MEMBER_EDGES, ring_id=ring_id, database_=self._database
            )
        binding = [(str(r["kind"]), str(r["key"]), str(r["member"])) for r in bound]
        members = [(str(r["source"]), str(r["target"]), str(r["kind"])) for r in linked]
        return binding, members[:EDGE_LIMIT]
