"""Reading rings and recording reviews in Neo4j, in the rings stage's storage shape.

The rings stage (``fraudgraph.rings.ring_store``) writes ``(:Ring {ring_id, status, score,
active, ...})`` with ``(member)-[:MEMBER_OF]->(ring)`` and keeps an append-only audit trail of
``(:ReviewEvent)-[:ABOUT]->(ring)``. Reviews here follow its status transitions and add what
an RPC needs: one event per request id (a retried call records nothing twice) and work bounded
by the caller's deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from neo4j import READ_ACCESS, WRITE_ACCESS, Driver, Transaction

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ServiceQueries
from fraudgraph.rings.ring_store import TRANSITIONS, RingStatus
from fraudgraph.service.ring_views import RingDetail, RingEvent, RingSummary

DETAIL_LIMIT: Final = 500
DEFAULT_BUDGET_S: Final = 5.0


class RingStore:
    """Ring queries and reviews against one Neo4j database."""

    def __init__(
        self, driver: Driver, database: str, budget_s: Callable[[], float | None] = lambda: None
    ) -> None:
        self._driver = driver
        self._database = database
        self._budget_s = budget_s

    def list_rings(
        self, *, status: str, min_score: float, offset: int, limit: int
    ) -> tuple[list[RingSummary], int | None]:
        """One page of active rings, highest score first, and the next page's offset or None."""
        rows = self._read(
            ServiceQueries.LIST_RINGS,
            status=status,
            min_score=min_score,
            skip=offset,
            limit=limit + 1,
        )
        rings = [self._summary(r) for r in rows[:limit]]
        return rings, (offset + limit if len(rows) > limit else None)

    def get_ring(self, ring_id: str) -> RingDetail:
        """A ring with members, evidence and timeline; NotFoundError when absent."""
        head = self._read(ServiceQueries.GET_RING, ring_id=ring_id)
        if not head:
            raise NotFoundError(f"no ring {ring_id!r}")
        members = self._read(ServiceQueries.RING_MEMBERS, ring_id=ring_id, limit=DETAIL_LIMIT)
        evidence = self._read(ServiceQueries.RING_EVIDENCE, ring_id=ring_id, limit=DETAIL_LIMIT)
        events = self._read(ServiceQueries.RING_EVENTS, ring_id=ring_id)
        timeline = []
        created = self._native(head[0]["created_at"])
        if created is not None:
            timeline.append(RingEvent(created, "DETECTED", "ring detected"))
        for e in events:
            text = f"{e['action']} by {e['reviewer']}"
            if e["from_status"] or e["to_status"]:
                text += f": {e['from_status']} -> {e['to_status']}"
            if e["note"]:
                text += f" ({e['note']})"
            timeline.append(RingEvent(self._native(e["at"]), str(e["action"]), text))
        return RingDetail(
            summary=self._summary(head[0]),
            members=tuple((str(m["label"]), str(m["key"])) for m in members),
            evidence=tuple((str(e["label"]), str(e["key"]), int(e["shared"])) for e in evidence),
            timeline=tuple(timeline),
        )

    def review(
        self, *, ring_id: str, to_status: str, note: str, reviewer: str, request_id: str
    ) -> tuple[RingSummary, str]:
        """Move the ring to ``to_status`` once per request id; return the ring and event id."""
        try:
            target = RingStatus(to_status)
        except ValueError as exc:
            raise InvalidInputError(f"unknown status {to_status!r}", field="verdict") from exc
        event_id = f"{ring_id}/{request_id}"
        params = {"ring_id": ring_id, "event_id": event_id, "to_status": target.value,
                  "note": note, "reviewer": reviewer, "request_id": request_id}  # fmt: skip
        self._in_transaction(lambda tx: self._review(tx, target, params), write=True)
        head = self._read(ServiceQueries.GET_RING, ring_id=ring_id)
        return self._summary(head[0]), event_id

    @staticmethod
    def _review(tx: Transaction, target: RingStatus, params: dict[str, Any]) -> None:
        done = tx.run(ServiceQueries.REVIEW_EVENT, event_id=params["event_id"]).single()
        if done is not None:
            if done["ring_id"] != params["ring_id"]:
                raise InvalidInputError("request id already used for another ring",
                                        field="request_id")  # fmt: skip
            return  # a retry of a review already recorded
        row = tx.run(ServiceQueries.RING_STATUS, ring_id=params["ring_id"]).single()
        if row is None:
            raise NotFoundError(f"no ring {params['ring_id']!r}")
        current = RingStatus(row["status"])
        if target not in TRANSITIONS[current]:
            raise InvalidInputError(
                f"cannot go from {current.value} to {target.value}", field="verdict"
            )
        tx.run(ServiceQueries.REVIEW_RING, from_status=current.value, **params).consume()

    def _read(self, query: str, **params: Any) -> list[Any]:
        rows: list[Any] = self._in_transaction(lambda tx: list(tx.run(query, params)), write=False)
        return rows

    def _in_transaction(self, work: Callable[[Transaction], Any], *, write: bool) -> Any:
        """One attempt within the caller's budget: the driver's retries would outlive it.

        A review is safe for the client to retry: it is idempotent on its request id.
        """
        budget = self._budget_s()
        budget = DEFAULT_BUDGET_S if budget is None else max(budget, 0.01)
        mode = WRITE_ACCESS if write else READ_ACCESS
        with (
            neo4j_errors(),
            self._driver.session(
                database=self._database, default_access_mode=mode,
                connection_acquisition_timeout=budget,
            ) as session,
            session.begin_transaction(timeout=budget) as tx,
        ):  # fmt: skip
            result = work(tx)
            tx.commit()
        return result

    @staticmethod
    def _native(value: Any) -> datetime | None:
        """A Python datetime from a Neo4j temporal value (None for anything else)."""
        native = value.to_native() if hasattr(value, "to_native") else value
        return native if isinstance(native, datetime) else None

    @staticmethod
    def _summary(rec: Any) -> RingSummary:
        return RingSummary(
            ring_id=str(rec["ring_id"]),
            status=str(rec["status"]),
            score=float(rec["score"]),
            member_count=int(rec["members"]),
            pattern=str(rec["pattern"]),
            explanation_en=str(rec["explanation_en"]),
            explanation_zh=str(rec["explanation_zh"]),
        )
