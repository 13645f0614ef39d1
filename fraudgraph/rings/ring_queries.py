"""Cypher of the rings stage (to be folded into ``fraudgraph/graph/queries.py`` by the lead).

Values always travel as ``$params``; batched writes use ``UNWIND $rows``. The few queries that
need a label in their text take it through :func:`fraudgraph.graph.queries.label`.
"""

from __future__ import annotations

from typing import Final

from fraudgraph.graph.queries import RECORD_KEYS, label

#: Expression giving a member node's key as ``Label:natural key``.
MEMBER_KEY: Final = "labels(m)[0] + ':' + coalesce(m.customer_id, m.application_id, m.account_id)"

RING_SCHEMA: Final[tuple[str, ...]] = (
    "CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (r:Ring) REQUIRE r.ring_id IS UNIQUE",
    "CREATE CONSTRAINT review_event_id IF NOT EXISTS "
    "FOR (e:ReviewEvent) REQUIRE e.event_id IS UNIQUE",
    "CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (a:Alert) REQUIRE a.alert_id IS UNIQUE",
)

# --- Export (a few whole-graph reads, returned as column lists) ---------------------------------

_STRONG_RELS: Final = "HAS_PHONE|HAS_EMAIL|HAS_ID|HAS_ADDRESS|WORKS_AT|USED_DEVICE|FROM_IP"

#: Identifier links of applications, customers, account cards and transactions (by payer).
EXPORT_LINKS: Final = f"""
CALL () {{
  MATCH (c:Customer)-[:APPLIED]->(a:Application)-[:{_STRONG_RELS}]->(e)
  RETURN c.customer_id AS customer, 'Application:' + a.application_id AS record,
         labels(e)[0] AS kind, e.key AS key, a.created_at.epochSeconds AS at, false AS via_txn
  UNION ALL
  MATCH (c:Customer)-[:HAS_PHONE|HAS_EMAIL|HAS_ID|HAS_ADDRESS|WORKS_AT]->(e)
  RETURN c.customer_id AS customer, 'Customer:' + c.customer_id AS record,
         labels(e)[0] AS kind, e.key AS key, null AS at, false AS via_txn
  UNION ALL
  MATCH (c:Customer)-[:OWNS]->(ac:Account)-[:HAS_CARD]->(e:BankCard)
  RETURN c.customer_id AS customer, 'Account:' + ac.account_id AS record,
         'BankCard' AS kind, e.key AS key, ac.opened_at.epochSeconds AS at, false AS via_txn
  UNION ALL
  MATCH (c:Customer)-[:OWNS]->(ac:Account)-[:SENT]->(t:Transaction)-[:USED_DEVICE|FROM_IP]->(e)
  WITH c, ac, e, min(t.timestamp) AS first
  RETURN c.customer_id AS customer, 'Account:' + ac.account_id AS record,
         labels(e)[0] AS kind, e.key AS key, first.epochSeconds AS at, true AS via_txn
}}
RETURN collect(customer) AS customers, collect(record) AS records, collect(kind) AS kinds,
       collect(key) AS keys, collect(coalesce(at, -1)) AS ats, collect(via_txn) AS via_txn
"""

#: Every application and account of every customer (ring members are expanded with them).
EXPORT_RECORDS: Final = """
CALL () {
  MATCH (c:Customer)-[:APPLIED]->(a:Application)
  RETURN c.customer_id AS customer, 'Application:' + a.application_id AS record,
         coalesce(a.created_at.epochSeconds, -1) AS at
  UNION ALL
  MATCH (c:Customer)-[:OWNS]->(a:Account)
  RETURN c.customer_id AS customer, 'Account:' + a.account_id AS record,
         coalesce(a.opened_at.epochSeconds, -1) AS at
}
RETURN collect(customer) AS customers, collect(record) AS records, collect(at) AS ats
"""

#: Transfers of a period (``$start``/``$end`` datetimes or null for open ends).
EXPORT_TRANSFERS: Final = """
MATCH (p:Account)-[:SENT]->(t:Transaction)-[:TO]->(q:Account)
WHERE ($start IS NULL OR t.timestamp >= $start) AND ($end IS NULL OR t.timestamp < $end)
RETURN collect(p.account_id) AS payers, collect(q.account_id) AS payees,
       collect(t.transaction_id) AS ids, collect(coalesce(t.amount, 0.0)) AS amounts,
       collect(t.timestamp.epochSeconds) AS ats
"""

# --- Rings -------------------------------------------------------------------------------------

UPSERT_RINGS: Final = """
UNWIND $rows AS row
MERGE (r:Ring {ring_id: row.ring_id})
ON CREATE SET r.status = 'OPEN', r.created_at = datetime()
SET r += row.props, r.updated_at = datetime()
"""

#: Members no longer in their ring lose the link (the audit trail keeps the history).
DROP_STALE_MEMBERS: Final = f"""
UNWIND $rows AS row
MATCH (m)-[link:MEMBER_OF]->(:Ring {{ring_id: row.ring_id}})
WHERE NOT {MEMBER_KEY} IN row.members
DELETE link
"""

#: Rings that no detection matched any more: kept for the audit trail, marked inactive.
DEACTIVATE_RINGS: Final = """
UNWIND $ids AS id MATCH (r:Ring {ring_id: id}) SET r.active = false, r.updated_at = datetime()
"""

DROP_EVIDENCE: Final = """
UNWIND $ids AS id MATCH (:Ring {ring_id: id})-[b:BOUND_BY]->() DELETE b
"""

ACTIVE_RING_MEMBERS: Final = f"""
MATCH (m)-[:MEMBER_OF]->(r:Ring) WHERE coalesce(r.active, true)
RETURN r.ring_id AS ring_id, collect({MEMBER_KEY}) AS members
"""

LIST_RINGS: Final = """
MATCH (r:Ring)
WHERE coalesce(r.active, true) AND ($status IS NULL OR r.status = $status)
  AND r.score >= $min_score
RETURN properties(r) AS ring ORDER BY r.score DESC, r.ring_id LIMIT $limit
"""

GET_RING: Final = f"""
MATCH (r:Ring {{ring_id: $ring_id}})
OPTIONAL MATCH (m)-[link:MEMBER_OF]->(r)
WITH r, collect({{key: {MEMBER_KEY}, score: link.score}}) AS members
OPTIONAL MATCH (e:ReviewEvent)-[:ABOUT]->(r)
WITH r, members, e ORDER BY e.at, e.event_id
RETURN properties(r) AS ring, members, collect(properties(e)) AS events
"""

RING_STATUS: Final = "MATCH (r:Ring {ring_id: $ring_id}) RETURN r.status AS status"

SET_RING_STATUS: Final = """
MATCH (r:Ring {ring_id: $ring_id})
SET r.status = $status, r.assignee = coalesce($assignee, r.assignee), r.reviewed_at = datetime()
"""

#: Audit events are only ever CREATEd: nothing updates or deletes a ReviewEvent.
CREATE_EVENTS: Final = """
UNWIND $rows AS row
MATCH (r:Ring {ring_id: row.ring_id})
CREATE (e:ReviewEvent {event_id: row.event_id, ring_id: row.ring_id, reviewer: row.reviewer,
                       action: row.action, from_status: row.from_status,
                       to_status: row.to_status, note: row.note, at: datetime()})-[:ABOUT]->(r)
"""

REVIEW_LABELS: Final = f"""
MATCH (m)-[:MEMBER_OF]->(r:Ring) WHERE r.status IN ['CONFIRMED', 'DISMISSED']
RETURN {MEMBER_KEY} AS key, collect(r.status) AS statuses
"""

# --- Post-approval monitoring ------------------------------------------------------------------

#: Members linked to a flagged ring after ``$linked_after`` (wall clock of the detection) that
#: were on the books before ``$approved_before`` (data time: an older application or account).
NEWLY_LINKED_APPROVED: Final = f"""
MATCH (m)-[link:MEMBER_OF]->(r:Ring)
WHERE link.since >= $linked_after AND r.score >= $threshold AND coalesce(r.active, true)
  AND r.status <> 'DISMISSED' AND (m:Customer OR m:Account)
  AND (EXISTS {{ MATCH (m)-[:APPLIED]->(a:Application) WHERE a.created_at < $approved_before }}
       OR (m:Account AND m.opened_at < $approved_before))
  AND NOT EXISTS {{
    MATCH (m)-[old:MEMBER_OF]->(o:Ring) WHERE old.since < $linked_after AND o.score >= $threshold
  }}
RETURN {MEMBER_KEY} AS member, r.ring_id AS ring_id, r.score AS score, r.pattern AS pattern
"""

CREATE_ALERTS: Final = """
UNWIND $rows AS row
MATCH (r:Ring {ring_id: row.ring_id})
MERGE (a:Alert {alert_id: row.alert_id})
ON CREATE SET a.kind = 'post_approval', a.member = row.member, a.ring_id = row.ring_id,
              a.score = row.score, a.message_en = row.en, a.message_zh = row.zh,
              a.created_at = datetime()
MERGE (a)-[:ABOUT]->(r)
"""


def upsert_members(member_label: str) -> str:
    """MERGE ``MEMBER_OF`` links of ``member_label`` nodes; ``since`` is set once, on creation."""
    lbl = label(member_label)
    return (
        f"UNWIND $rows AS row MATCH (r:Ring {{ring_id: row.ring_id}}) "
        f"MATCH (m:{lbl} {{{RECORD_KEYS[lbl]}: row.key}}) "
        "MERGE (m)-[link:MEMBER_OF]->(r) ON CREATE SET link.since = datetime() "
        "SET link.score = row.score"
    )


def evidence_links(binding_label: str) -> str:
    """Link rings to the identifiers (or hub accounts) that bind them."""
    lbl = label(binding_label)
    key = RECORD_KEYS.get(lbl, "key")
    return (
        f"UNWIND $rows AS row MATCH (r:Ring {{ring_id: row.ring_id}}) "
        f"MATCH (e:{lbl} {{{key}: row.key}}) "
        "MERGE (r)-[b:BOUND_BY]->(e) SET b.members = row.members"
    )
