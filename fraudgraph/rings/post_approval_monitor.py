"""Post-approval monitoring: customers and accounts already on the books who join a flagged ring.

Call :func:`post_approval_alerts` after a load has been followed by ring detection: every member
that joined a flagged ring after ``linked_after`` (wall clock, e.g. when the load started) and was
approved before ``approved_before`` (data time: an application or account older than the new
records) raises one ``:Alert`` node (idempotent), and is returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from neo4j import Driver

from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import RingQueries


@dataclass(frozen=True, slots=True)
class PostApprovalAlert:
    """An approved customer/account newly linked to a flagged ring."""

    alert_id: str
    member: str
    ring_id: str
    score: float
    message_en: str
    message_zh: str


def post_approval_alerts(
    driver: Driver,
    database: str,
    *,
    linked_after: datetime,
    approved_before: datetime,
    threshold: float = 0.5,
) -> list[PostApprovalAlert]:
    """Raise and return the alerts for approved members newly linked to a flagged ring."""
    params = {"linked_after": linked_after, "approved_before": approved_before}
    with neo4j_errors():
        records, _, _ = driver.execute_query(
            RingQueries.NEWLY_LINKED_APPROVED, params, threshold=threshold, database_=database
        )
    alerts = []
    for r in records:
        member, ring_id, score = str(r["member"]), str(r["ring_id"]), float(r["score"])
        alerts.append(
            PostApprovalAlert(
                alert_id=f"{ring_id}|{member}",
                member=member,
                ring_id=ring_id,
                score=score,
                message_en=f"approved {member} is now linked to ring {ring_id} "
                f"({r['pattern']}, score {score:.2f})",
                message_zh=f"已审批的{member}新关联到团伙{ring_id}（{r['pattern']}，评分{score:.2f}）",
            )
        )
    rows = [
        {"alert_id": a.alert_id, "member": a.member, "ring_id": a.ring_id, "score": a.score,
         "en": a.message_en, "zh": a.message_zh}
        for a in alerts
    ]  # fmt: skip
    if rows:
        with neo4j_errors():
            driver.execute_query(RingQueries.CREATE_ALERTS, rows=rows, database_=database)
    return alerts
