"""SAME_AS candidate links between entity nodes (employers, addresses, names) in Neo4j.

Nothing is merged: two spellings of one employer stay two ``Organization`` nodes, joined by a
``SAME_AS`` relationship that carries the linker's confidence, evidence, method and version and
a review ``status`` (candidate, confirmed, rejected). A wrong link is rejected, not deleted, so
that running the linker again does not bring it back. Each linker run stamps the links it
proposes; its unreviewed links that a later run no longer proposes are pruned (:meth:`prune`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import Driver

from fraudgraph.errors import InvalidInputError
from fraudgraph.graph import queries
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.record_store import batched
from fraudgraph.nlp.entity_resolver import SameAsLink

STATUSES = ("candidate", "confirmed", "rejected")


@dataclass(frozen=True, slots=True)
class StoredSameAs:
    """One SAME_AS link of a node, as stored."""

    key: str
    confidence: float
    evidence: tuple[str, ...]
    method: str
    status: str
    extractor: str | None
    version: str | None


class SameAsRepository:
    """Reads entity keys and writes, reviews and lists SAME_AS links; the driver is passed in."""

    def __init__(self, driver: Driver, database: str, batch_size: int = 5000) -> None:
        self._driver = driver
        self._database = database
        self._batch_size = batch_size

    def keys(self, entity_label: str) -> list[str]:
        """Every key of the ``entity_label`` nodes."""
        records = self._run(queries.entity_keys(entity_label))
        return [str(r["key"]) for r in records if r["key"] is not None]

    def write(
        self,
        entity_label: str,
        links: Iterable[SameAsLink],
        extractor: str,
        version: str,
        run: str,
    ) -> int:
        """MERGE ``links`` (their ends are node keys) as linker run ``run``; returns how many
        were stored."""
        query = queries.merge_same_as(entity_label)
        stored = 0
        for batch in batched((self._row(link) for link in links), self._batch_size):
            records = self._run(query, rows=batch, extractor=extractor, version=version, run=run)
            stored += int(records[0]["n"]) if records else 0
        return stored

    def prune(
        self, entity_label: str, extractor: str, run: str, keys: Sequence[str] | None = None
    ) -> int:
        """Delete ``extractor``'s unreviewed links that run ``run`` did not write (only those
        between two of ``keys`` when given); returns how many were deleted."""
        records = self._run(
            queries.prune_same_as(entity_label),
            extractor=extractor, run=run, keys=None if keys is None else list(keys),
        )  # fmt: skip
        return int(records[0]["n"]) if records else 0

    def review(self, entity_label: str, left: str, right: str, status: str, reviewer: str) -> bool:
        """Mark the link between ``left`` and ``right`` ``status``; False when there is none."""
        if status not in STATUSES:
            raise InvalidInputError(f"status must be one of {', '.join(STATUSES)}", field="status")
        if not reviewer.strip():
            raise InvalidInputError("a review needs the reviewer's name", field="reviewer")
        records = self._run(
            queries.review_same_as(entity_label),
            left=left, right=right, status=status, reviewer=reviewer,
        )  # fmt: skip
        return bool(records) and int(records[0]["n"]) > 0

    def queue(
        self, entity_label: str, status: str = "candidate", limit: int = 50, skip: int = 0
    ) -> list[tuple[str, StoredSameAs]]:
        """The ``status`` links between ``entity_label`` nodes, weakest first, as (one end,
        the link seen from it) pairs: the review queue."""
        if status not in STATUSES:
            raise InvalidInputError(f"status must be one of {', '.join(STATUSES)}", field="status")
        if limit < 1 or skip < 0:
            raise InvalidInputError("limit must be positive and skip not negative", field="limit")
        records = self._run(
            queries.same_as_queue(entity_label), status=status, limit=limit, skip=skip
        )
        return [(str(r["left"]), self._stored(r, str(r["right"]))) for r in records]

    def links_of(self, entity_label: str, key: str) -> list[StoredSameAs]:
        """The SAME_AS links of the node ``key``, strongest first."""
        records = self._run(queries.same_as_links(entity_label), key=key)
        return [self._stored(r, str(r["key"])) for r in records]

    @staticmethod
    def _stored(record: Any, key: str) -> StoredSameAs:
        return StoredSameAs(
            key,
            float(record["confidence"]),
            tuple(record["evidence"] or ()),
            str(record["method"]),
            str(record["status"]),
            record["extractor"],
            record["version"],
        )

    @staticmethod
    def _row(link: SameAsLink) -> dict[str, Any]:
        return {
            "left": link.left,
            "right": link.right,
            "confidence": link.confidence,
            "evidence": list(link.evidence),
            "method": link.method,
        }

    def _run(self, query: str, **params: Any) -> Sequence[Any]:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(
                query, parameters_=params, database_=self._database
            )
        return records
