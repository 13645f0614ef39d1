"""Writing one batch of ingest rows to Neo4j in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neo4j import Driver, ManagedTransaction

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.ingest.graph_rows import WriteBatch


@dataclass(slots=True)
class WriteCounts:
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    already_present: int = 0  # records whose key was in the graph already (replay or update)

    def add(self, other: WriteCounts) -> None:
        self.nodes_created += other.nodes_created
        self.relationships_created += other.relationships_created
        self.properties_set += other.properties_set
        self.already_present += other.already_present

    @property
    def writes(self) -> int:
        """Graph writes: nodes plus relationships created."""
        return self.nodes_created + self.relationships_created


class GraphWriter:
    """Commits a :class:`WriteBatch` atomically; the driver retries transient failures."""

    def __init__(self, driver: Driver, database: str) -> None:
        self._driver = driver
        self._database = database

    def write(self, batch: WriteBatch) -> WriteCounts:
        with neo4j_errors(), self._driver.session(database=self._database) as session:
            return session.execute_write(_write_batch, batch)


def _run(tx: ManagedTransaction, counts: WriteCounts, query: str, **params: Any) -> None:
    c = tx.run(query, **params).consume().counters
    counts.add(WriteCounts(c.nodes_created, c.relationships_created, c.properties_set))


def _write_batch(tx: ManagedTransaction, batch: WriteBatch) -> WriteCounts:
    counts = WriteCounts()
    ids = [r["id"] for r in batch.records]
    present = set(tx.run(queries.existing_keys(batch.label), ids=ids).single(strict=True)["ids"])
    fresh: list[dict[str, Any]] = []
    known: list[dict[str, Any]] = []
    for row in batch.records:
        if row["id"] in present:
            known.append(row)
        else:
            present.add(row["id"])  # a second row with the same key in this batch updates it
            fresh.append(row)
    counts.already_present = len(known)
    for ref_label, ref_ids in batch.references():
        if ref_ids:
            _run(tx, counts, queries.merge_keys(ref_label), ids=ref_ids)
    if fresh:
        _run(tx, counts, queries.create_records(batch.label, batch.pairs()), rows=fresh)
    if known:
        _run(tx, counts, queries.UPSERT_RECORDS[batch.label], rows=known)
        for query, rows in batch.link_statements(known):
            _run(tx, counts, query, rows=rows)
    return counts
