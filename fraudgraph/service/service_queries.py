"""Cypher of the service (values only as $params); to be folded into graph/queries.py.

Labels come from the closed set of :mod:`fraudgraph.graph.queries`, never from a request.
"""

from __future__ import annotations

from typing import Final

from fraudgraph.graph import queries

_IDENTIFIERS = "|".join(lbl for lbl in queries.ENTITY_LABELS if lbl != "Person")

#: Identifiers used by two or more parties (the customer of an application, the payer account
#: of a transaction, or the record itself), counted over at most $scan links so that a hub costs
#: no more than a capped node; with their validity and any model score.
SHARED_IDENTIFIERS: Final = f"""
MATCH (e:{_IDENTIFIERS})
CALL (e) {{
  MATCH (e)<--(r)
  WITH r LIMIT $scan
  OPTIONAL MATCH (owner)-[:APPLIED|SENT]->(r)
  RETURN count(DISTINCT coalesce(owner, r)) AS parties
}}
WITH e, parties
WHERE parties >= 2 OR e.valid = false OR e.fraud_score IS NOT NULL
RETURN labels(e)[0] AS label, e.key AS key,
       CASE WHEN parties > $cap THEN $cap ELSE parties END AS links,
       coalesce(e.valid, true) AS valid, e.fraud_score AS model_score
"""

#: Members of live rings and what they own, use or applied with (at most $cap per member).
RING_NEIGHBOURHOODS: Final = """
MATCH (m)-[:MEMBER_OF]->(r:Ring)
WHERE coalesce(r.active, true) AND toUpper(coalesce(r.status, 'OPEN')) <> 'DISMISSED'
OPTIONAL MATCH (m)-[:OWNS|APPLIED|HAS_PHONE|HAS_EMAIL|HAS_ID|HAS_CARD|USED_DEVICE|FROM_IP]-(n)
WITH m, r, collect(n)[..$cap] AS near
UNWIND [m] + near AS x
WITH x, r
RETURN labels(x)[0] AS label,
       coalesce(x.key, x.account_id, x.customer_id, x.application_id, x.transaction_id) AS key,
       r.ring_id AS ring_id, coalesce(r.score, 0.0) AS ring_score
"""


def set_decisions(record_label: str) -> str:
    """Write the decision of each ``$rows`` ({id, request_id, action, score, model_version})."""
    lbl = queries.label(record_label)
    key = queries.RECORD_KEYS[lbl]
    return (
        f"UNWIND $rows AS row MATCH (n:{lbl} {{{key}: row.id}}) "
        "SET n.decision_request_id = row.request_id, n.decision_action = row.action, "
        "n.decision_score = row.score, n.decision_model = row.model_version"
    )


_RING_FIELDS: Final = """r.ring_id AS ring_id, toUpper(coalesce(r.status, 'OPEN')) AS status,
       coalesce(r.score, 0.0) AS score, COUNT { (r)<-[:MEMBER_OF]-() } AS members,
       coalesce(r.pattern, '') AS pattern, coalesce(r.explanation_en, '') AS explanation_en,
       coalesce(r.explanation_zh, '') AS explanation_zh"""

#: Active rings (the rings stage deactivates rings no detection finds any more).
LIST_RINGS: Final = f"""
MATCH (r:Ring)
WHERE coalesce(r.active, true)
  AND ($status = '' OR toUpper(coalesce(r.status, 'OPEN')) = $status)
  AND coalesce(r.score, 0.0) >= $min_score
WITH r ORDER BY coalesce(r.score, 0.0) DESC, r.ring_id SKIP $skip LIMIT $limit
RETURN {_RING_FIELDS}
"""

GET_RING: Final = f"""
MATCH (r:Ring {{ring_id: $ring_id}})
RETURN {_RING_FIELDS}, r.created_at AS created_at
"""

RING_MEMBERS: Final = """
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m)
WITH labels(m)[0] AS label,
     coalesce(m.key, m.account_id, m.customer_id, m.application_id, m.transaction_id) AS key
RETURN label, key ORDER BY label, key LIMIT $limit
"""

#: Identifiers shared by two or more members (directly, or through their records).
RING_EVIDENCE: Final = """
MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m)
OPTIONAL MATCH (m)-[:APPLIED|OWNS]-(rec)
WITH m, [m] + collect(rec) AS sources
UNWIND sources AS s
MATCH (s)-[:HAS_PHONE|HAS_EMAIL|HAS_ID|HAS_CARD|USED_DEVICE|FROM_IP|HAS_ADDRESS|WORKS_AT]->(e)
WITH e, count(DISTINCT m) AS shared WHERE shared >= 2
RETURN labels(e)[0] AS label, e.key AS key, shared ORDER BY shared DESC, key LIMIT $limit
"""

#: The audit trail, in the rings stage's shape: (:ReviewEvent)-[:ABOUT]->(:Ring).
RING_EVENTS: Final = """
MATCH (r:Ring {ring_id: $ring_id})<-[:ABOUT]-(e:ReviewEvent)
RETURN e.at AS at, e.action AS action, e.reviewer AS reviewer, e.note AS note,
       e.from_status AS from_status, e.to_status AS to_status
ORDER BY e.at, e.event_id
"""

RING_STATUS: Final = """
MATCH (r:Ring {ring_id: $ring_id}) RETURN toUpper(coalesce(r.status, 'OPEN')) AS status
"""

REVIEW_EVENT: Final = "MATCH (e:ReviewEvent {event_id: $event_id}) RETURN e.ring_id AS ring_id"

#: Moves the ring and appends the audit event (events are only ever created).
REVIEW_RING: Final = """
MATCH (r:Ring {ring_id: $ring_id})
SET r.status = $to_status, r.assignee = $reviewer, r.reviewed_at = datetime()
CREATE (e:ReviewEvent {event_id: $event_id, ring_id: $ring_id, reviewer: $reviewer,
                       action: 'REVIEW', from_status: $from_status, to_status: $to_status,
                       note: $note, request_id: $request_id, at: datetime()})-[:ABOUT]->(r)
"""
