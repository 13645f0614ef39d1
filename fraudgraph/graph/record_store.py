"""Batched writes and reads of keyed nodes: the small generic repository under the demo."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from neo4j import Driver

from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors


def batched(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Split ``rows`` into lists of at most ``size`` items."""
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


class RecordStore:
    """Writes keyed nodes and links in ``UNWIND $rows`` batches; the driver is passed in."""

    def __init__(self, driver: Driver, database: str, batch_size: int = 5000) -> None:
        self._driver = driver
        self._database = database
        self._batch_size = batch_size

    def merge_nodes(self, node_label: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """MERGE nodes given as ``{"key": ..., "props": {...}}``; returns how many were sent."""
        return self._write(queries.merge_nodes(node_label), rows)

    def create_nodes(self, node_label: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """CREATE nodes; a key that exists already raises ConstraintViolationError."""
        return self._write(queries.create_nodes(node_label), rows)

    def merge_links(
        self, src_label: str, rel: str, dst_label: str, rows: Iterable[Mapping[str, Any]]
    ) -> int:
        """MERGE relationships given as ``{"src": key, "dst": key, "props": {...}}``."""
        return self._write(queries.merge_links(src_label, rel, dst_label), rows)

    def get_nodes(self, node_label: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(
                queries.get_nodes(node_label), keys=list(keys), database_=self._database
            )
        return {str(r["key"]): dict(r["props"]) for r in records}

    def delete_nodes(self, node_label: str, keys: Sequence[str]) -> int:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(
                queries.delete_nodes(node_label), keys=list(keys), database_=self._database
            )
        return int(records[0]["n"])

    def _write(self, query: str, rows: Iterable[Mapping[str, Any]]) -> int:
        sent = 0
        with neo4j_errors():
            for batch in batched(rows, self._batch_size):
                self._driver.execute_query(query, rows=batch, database_=self._database)
                sent += len(batch)
        return sent
