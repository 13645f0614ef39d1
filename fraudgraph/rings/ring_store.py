"""Rings in Neo4j: ``:Ring`` nodes, ``MEMBER_OF`` and ``BOUND_BY`` links, the review workflow.

Every status change and lifecycle event is a ``:ReviewEvent`` node linked ``ABOUT`` the ring.
Those nodes are only ever created: the audit trail is append-only.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from neo4j import Driver, ManagedTransaction

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import RingQueries
from fraudgraph.graph.record_store import batched
from fraudgraph.rings.ring_candidate import split_key
from fraudgraph.rings.ring_explainer import explain
from fraudgraph.rings.ring_matcher import RingEvent
from fraudgraph.rings.ring_scorer import ScoredRing

SYSTEM_REVIEWER = "fraudgraph"
MEMBER_LABELS = ("Customer", "Application", "Account")


class RingStatus(StrEnum):
    """Review states of a ring."""

    OPEN = "OPEN"
    IN_REVIEW = "IN_REVIEW"
    CONFIRMED = "CONFIRMED"
    DISMISSED = "DISMISSED"
    ESCALATED = "ESCALATED"


#: Allowed review transitions; a decided ring can be reopened (new evidence), never silently.
TRANSITIONS: dict[RingStatus, frozenset[RingStatus]] = {
    RingStatus.OPEN: frozenset(
        {RingStatus.IN_REVIEW, RingStatus.CONFIRMED, RingStatus.DISMISSED, RingStatus.ESCALATED}
    ),
    RingStatus.IN_REVIEW: frozenset(
        {RingStatus.CONFIRMED, RingStatus.DISMISSED, RingStatus.ESCALATED, RingStatus.OPEN}
    ),
    RingStatus.ESCALATED: frozenset(
        {RingStatus.CONFIRMED, RingStatus.DISMISSED, RingStatus.IN_REVIEW}
    ),
    RingStatus.CONFIRMED: frozenset({RingStatus.OPEN}),
    RingStatus.DISMISSED: frozenset({RingStatus.OPEN}),
}


def ring_props(ring: ScoredRing, action: str) -> dict[str, Any]:
    """The properties of a ``:Ring`` node for a scored candidate."""
    cand = ring.candidate
    en, zh = explain(cand)
    top = sorted(ring.member_scores.items(), key=lambda kv: -kv[1])[:10]
    evidence = {
        "bindings": [
            {"kind": b.kind, "key": b.key, "members": b.members, "via_txn": b.via_transactions}
            for b in cand.bindings[:20]
        ],
        "timeline": [[t, text] for t, text in cand.timeline[:30]],
        "top_members": [[k, v] for k, v in top],
    }
    return {
        "score": ring.score,
        "action": action,
        "pattern": cand.pattern,
        "size": len(cand.members),
        "customers": cand.customers,
        "accounts": cand.accounts,
        "amount": cand.amount,
        "first_seen": cand.first_seen,
        "last_seen": cand.last_seen,
        "explanation_en": en,
        "explanation_zh": zh,
        "evidence": json.dumps(evidence, ensure_ascii=False),
        "active": True,
    }


class RingStore:
    """Reads and writes rings; the driver is passed in."""

    def __init__(self, driver: Driver, database: str, batch_size: int = 2000) -> None:
        self._driver = driver
        self._database = database
        self._batch_size = batch_size

    def init_schema(self) -> None:
        """Uniqueness constraints of Ring, ReviewEvent and Alert (idempotent)."""
        for statement in RingQueries.RING_SCHEMA:
            self._run(statement)

    def active_rings(self) -> dict[str, frozenset[str]]:
        """Members of every active ring."""
        records = self._run(RingQueries.ACTIVE_RING_MEMBERS)
        return {str(r["ring_id"]): frozenset(r["members"]) for r in records}

    def save(
        self, rings: Sequence[tuple[str, ScoredRing, str]], events: Iterable[RingEvent]
    ) -> None:
        """Upsert (ring id, scored ring, action) triples with members, evidence and events."""
        rows = [{"ring_id": rid, "props": ring_props(r, act)} for rid, r, act in rings]
        self._write(RingQueries.UPSERT_RINGS, rows)
        stale = [{"ring_id": rid, "members": sorted(r.candidate.members)} for rid, r, _ in rings]
        self._write(RingQueries.DROP_STALE_MEMBERS, stale)
        self._save_members(rings)
        self._save_evidence(rings)
        self.record_events(events)

    def _save_members(self, rings: Sequence[tuple[str, ScoredRing, str]]) -> None:
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rid, ring, _ in rings:
            for member in ring.candidate.members:
                lbl, key = split_key(member)
                score = ring.member_scores.get(member, 0.0)
                by_label[lbl].append({"ring_id": rid, "key": key, "score": score})
        for lbl, rows in by_label.items():
            if lbl in MEMBER_LABELS:
                self._write(RingQueries.upsert_members(lbl), rows)

    def _save_evidence(self, rings: Sequence[tuple[str, ScoredRing, str]]) -> None:
        self._write_ids(RingQueries.DROP_EVIDENCE, [rid for rid, _, _ in rings])
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rid, ring, _ in rings:
            for b in ring.candidate.bindings:
                by_label[b.kind].append({"ring_id": rid, "key": b.key, "members": b.members})
        for lbl, rows in by_label.items():
            self._write(RingQueries.evidence_links(lbl), rows)

    def deactivate(self, ring_ids: Sequence[str]) -> None:
        """Mark rings no detection found any more as inactive (kept for the audit trail)."""
        self._write_ids(RingQueries.DEACTIVATE_RINGS, list(ring_ids))

    def record_events(self, events: Iterable[RingEvent], reviewer: str = SYSTEM_REVIEWER) -> None:
        """Append lifecycle events to the rings' audit trails."""
        rows = [
            {"ring_id": e.ring_id, "event_id": uuid.uuid4().hex, "reviewer": reviewer,
             "action": e.action, "from_status": None, "to_status": None, "note": e.note}
            for e in events
        ]  # fmt: skip
        self._write(RingQueries.CREATE_EVENTS, rows)

    def list_rings(
        self, status: str | None = None, min_score: float = 0.0, limit: int = 50
    ) -> list[dict[str, Any]]:
        """Active rings, highest score first."""
        records = self._run(RingQueries.LIST_RINGS, status=status, min_score=min_score, limit=limit)
        return [dict(r["ring"]) for r in records]

    def get(self, ring_id: str) -> dict[str, Any]:
        """A ring with its members and audit trail; NotFoundError when unknown."""
        records = self._run(RingQueries.GET_RING, ring_id=ring_id)
        if not records:
            raise NotFoundError(f"no ring {ring_id!r}")
        rec = records[0]
        members = [m for m in rec["members"] if m["key"] is not None]
        return {"ring": dict(rec["ring"]), "members": members, "events": list(rec["events"])}

    def review(
        self,
        ring_id: str,
        decision: str,
        reviewer: str,
        note: str = "",
        assignee: str | None = None,
    ) -> str:
        """Move a ring to ``decision`` and append the event; returns the previous status."""
        try:
            target = RingStatus(decision.upper())
        except ValueError as exc:
            allowed = ", ".join(s.value for s in RingStatus)
            raise InvalidInputError(
                f"unknown decision {decision!r} ({allowed})", field="decision"
            ) from exc
        if not reviewer.strip():
            raise InvalidInputError("a reviewer is required", field="reviewer")

        def work(tx: ManagedTransaction) -> str:
            row = tx.run(RingQueries.RING_STATUS, ring_id=ring_id).single()
            if row is None:
                raise NotFoundError(f"no ring {ring_id!r}")
            current = RingStatus(row["status"])
            if target not in TRANSITIONS[current]:
                raise InvalidInputError(
                    f"cannot go from {current.value} to {target.value}", field="decision"
                )
            tx.run(RingQueries.SET_RING_STATUS, ring_id=ring_id, status=target.value,
                   assignee=assignee or reviewer)  # fmt: skip
            event = {"ring_id": ring_id, "event_id": uuid.uuid4().hex, "reviewer": reviewer,
                     "action": "REVIEW", "from_status": current.value, "to_status": target.value,
                     "note": note}  # fmt: skip
            tx.run(RingQueries.CREATE_EVENTS, rows=[event])
            return current.value

        with neo4j_errors(), self._driver.session(database=self._database) as session:
            return session.execute_write(work)

    def _run(self, query: str, **params: Any) -> list[Any]:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(query, params, database_=self._database)
        return list(records)

    def _write(self, query: str, rows: Sequence[dict[str, Any]]) -> None:
        with neo4j_errors():
            for batch in batched(rows, self._batch_size):
                self._driver.execute_query(query, rows=batch, database_=self._database)

    def _write_ids(self, query: str, ids: list[str]) -> None:
        with neo4j_errors():
            for batch in batched(ids, self._batch_size):
                self._driver.execute_query(query, ids=batch, database_=self._database)
