"""All Cypher of fraudgraph, in one place.

Values always travel as parameters. Labels and relationship types cannot be parameters in
Cypher, so the few queries that take one are built by functions that first check the name
against the schema's closed set (:func:`label`, :func:`rel_type`): nothing from outside ever
reaches query text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fraudgraph.errors import InvalidInputError

# --- Schema ------------------------------------------------------------------------------------

#: Record nodes and their natural key property.
RECORD_KEYS: Final[dict[str, str]] = {
    "Customer": "customer_id",
    "Application": "application_id",
    "Account": "account_id",
    "Transaction": "transaction_id",
    "Merchant": "merchant_id",
}

#: Entity (identifier) nodes: all keyed by ``key``, the canonical value.
ENTITY_LABELS: Final[tuple[str, ...]] = (
    "Phone",
    "Email",
    "IdNumber",
    "BankCard",
    "Device",
    "IP",
    "Address",
    "Organization",
    "Person",
    "Uscc",
)

NODE_LABELS: Final[frozenset[str]] = frozenset(RECORD_KEYS) | frozenset(ENTITY_LABELS)

#: Relationship types, with the labels they join (documented in docs/graph-schema.md).
REL_TYPES: Final[frozenset[str]] = frozenset(
    {
        "APPLIED",  # Customer -> Application
        "OWNS",  # Customer -> Account
        "SENT",  # Account -> Transaction (payer side)
        "TO",  # Transaction -> Account (payee side)
        "HAS_PHONE",
        "HAS_EMAIL",
        "HAS_ID",
        "HAS_ADDRESS",
        "WORKS_AT",
        "HAS_CARD",
        "USED_DEVICE",
        "FROM_IP",
        "MENTIONS",  # Application/Transaction -> entity found in free text, with provenance
        "SAME_AS",  # Customer/Organization/Address/Person -> same label: resolution candidate
        "MEMBER_OF",  # Customer/Application/Account -> Ring
        "BOUND_BY",  # Ring -> the identifiers (or hub accounts) that bind it
        "ABOUT",  # ReviewEvent/Alert -> Ring
    }
)


def label(name: str) -> str:
    """Return ``name`` if it is a node label of the schema, else raise."""
    if name not in NODE_LABELS:
        raise InvalidInputError(f"unknown node label {name!r}", field="label")
    return name


def rel_type(name: str) -> str:
    """Return ``name`` if it is a relationship type of the schema, else raise."""
    if name not in REL_TYPES:
        raise InvalidInputError(f"unknown relationship type {name!r}", field="rel_type")
    return name


def _constraints() -> tuple[str, ...]:
    unique = [
        f"CREATE CONSTRAINT {lbl.lower()}_key IF NOT EXISTS FOR (n:{lbl}) REQUIRE n.{key} IS UNIQUE"
        for lbl, key in RECORD_KEYS.items()
    ]
    unique += [
        f"CREATE CONSTRAINT {lbl.lower()}_key IF NOT EXISTS FOR (n:{lbl}) REQUIRE n.key IS UNIQUE"
        for lbl in ENTITY_LABELS
    ]
    return tuple(unique)


SCHEMA_CONSTRAINTS: Final[tuple[str, ...]] = _constraints()

SCHEMA_INDEXES: Final[tuple[str, ...]] = (
    "CREATE INDEX application_created IF NOT EXISTS FOR (n:Application) ON (n.created_at)",
    "CREATE INDEX transaction_ts IF NOT EXISTS FOR (n:Transaction) ON (n.timestamp)",
    "CREATE INDEX customer_name IF NOT EXISTS FOR (n:Customer) ON (n.name)",
)

SHOW_CONSTRAINTS: Final = "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
SHOW_INDEXES: Final = "SHOW INDEXES YIELD name RETURN collect(name) AS names"
AWAIT_INDEXES: Final = "CALL db.awaitIndexes(300)"

# --- Server ------------------------------------------------------------------------------------

DBMS_COMPONENTS: Final = "CALL dbms.components() YIELD versions, edition RETURN versions, edition"
COUNT_GRAPH: Final = """
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
RETURN nodes, relationships
"""
COUNT_BY_LABEL: Final = """
CALL db.labels() YIELD label
CALL (label) { MATCH (n) WHERE label IN labels(n) RETURN count(n) AS n }
RETURN label, n ORDER BY label
"""
COUNT_BY_REL_TYPE: Final = """
CALL db.relationshipTypes() YIELD relationshipType AS type
CALL (type) { MATCH ()-[r]->() WHERE type(r) = type RETURN count(r) AS n }
RETURN type, n ORDER BY type
"""

# --- Generic records (the demo and tests) --------------------------------------------------------


def merge_nodes(node_label: str) -> str:
    """MERGE a batch of ``$rows`` ({key, props}) as nodes of ``node_label`` on their key."""
    lbl = label(node_label)
    key = RECORD_KEYS.get(lbl, "key")
    return f"UNWIND $rows AS row MERGE (n:{lbl} {{{key}: row.key}}) SET n += row.props"


def create_nodes(node_label: str) -> str:
    """CREATE a batch of ``$rows`` ({key, props}); a duplicate key breaks the constraint."""
    lbl = label(node_label)
    key = RECORD_KEYS.get(lbl, "key")
    return f"UNWIND $rows AS row CREATE (n:{lbl} {{{key}: row.key}}) SET n += row.props"


def get_nodes(node_label: str) -> str:
    lbl = label(node_label)
    key = RECORD_KEYS.get(lbl, "key")
    return (
        f"UNWIND $keys AS k MATCH (n:{lbl} {{{key}: k}}) "
        f"RETURN n.{key} AS key, properties(n) AS props ORDER BY key"
    )


def delete_nodes(node_label: str) -> str:
    lbl = label(node_label)
    key = RECORD_KEYS.get(lbl, "key")
    return f"UNWIND $keys AS k MATCH (n:{lbl} {{{key}: k}}) DETACH DELETE n RETURN count(*) AS n"


def merge_links(src_label: str, rel: str, dst_label: str) -> str:
    """MERGE ``rel`` between existing nodes for ``$rows`` ({src, dst, props})."""
    src, dst, typ = label(src_label), label(dst_label), rel_type(rel)
    src_key, dst_key = RECORD_KEYS.get(src, "key"), RECORD_KEYS.get(dst, "key")
    return (
        f"UNWIND $rows AS row MATCH (a:{src} {{{src_key}: row.src}}) "
        f"MATCH (b:{dst} {{{dst_key}: row.dst}}) "
        f"MERGE (a)-[r:{typ}]->(b) SET r += row.props"
    )


#: Empties the database in bounded transactions (tests and the demo's reset).
WIPE_GRAPH: Final = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"

# --- Ingest ------------------------------------------------------------------------------------
# A batch is one transaction. Records not yet in the graph are CREATEd with inline property maps,
# their structural relationships and their entity links in ONE statement (index seeks only, no
# relationship scans; the entity MERGEs inside FOREACH make the planner add Eager operators,
# harmless at a few thousand rows per batch); records already there (a replayed batch after a
# crash, or an update) go through MERGE statements. Either way a replay changes nothing.

#: Properties written for each record label, in the order of the CREATE statements.
RECORD_PROPS: Final[dict[str, tuple[str, ...]]] = {
    "Customer": ("name", "name_key", "language"),
    "Application": ("product", "created_at", "name", "name_key", "income", "amount", "channel",
                    "language", "purpose", "employment", "remarks"),
    "Account": ("kind", "init_balance", "opened_at", "label_fraud"),
    "Transaction": ("amount", "currency", "timestamp", "channel", "memo"),
}  # fmt: skip


#: Time properties: rows carry them as ISO 8601 strings, stored as DateTime (same value, same
#: offset as the driver's DateTime; parsing in Neo4j is far cheaper than packing in Python).
TIME_PROPS: Final[dict[str, tuple[str, ...]]] = {
    "Application": ("created_at",),
    "Account": ("opened_at",),
    "Transaction": ("timestamp",),
}


def _value(lbl: str, prop: str) -> str:
    return f"datetime(row.props.{prop})" if prop in TIME_PROPS.get(lbl, ()) else f"row.props.{prop}"


def _inline(lbl: str) -> str:
    key = RECORD_KEYS[lbl]
    props = ", ".join(f"{p}: {_value(lbl, p)}" for p in RECORD_PROPS[lbl])
    return f"{{{key}: row.id, {props}}}"


def existing_keys(node_label: str) -> str:
    lbl = label(node_label)
    key = RECORD_KEYS[lbl]
    return f"UNWIND $ids AS id MATCH (n:{lbl} {{{key}: id}}) RETURN collect(n.{key}) AS ids"


def merge_keys(node_label: str) -> str:
    """Make sure nodes exist for ``$ids`` (the customers or accounts a batch refers to)."""
    lbl = label(node_label)
    return f"UNWIND $ids AS id MERGE (:{lbl} {{{RECORD_KEYS[lbl]}: id}})"


#: Properties of a link relationship (provenance of the entity in its field).
LINK_PROPS: Final = (
    "field: l.field, start: l.start, text: l.text, end: l.end, "
    "extractor: l.extractor, version: l.version, confidence: l.confidence"
)


def _create_links(pairs: Sequence[tuple[str, str]]) -> str:
    """One FOREACH per (entity label, relationship): MERGE the entity, CREATE the new link."""
    parts = []
    for entity_label, rel in pairs:
        ent, typ = label(entity_label), rel_type(rel)
        parts.append(
            f" FOREACH (l IN coalesce(row.links.{ent}_{typ}, []) |"
            f" MERGE (e:{ent} {{key: l.key}}) ON CREATE SET e.valid = l.valid, e.attrs = l.attrs"
            f" CREATE (n)-[:{typ} {{{LINK_PROPS}}}]->(e))"
        )
    return "".join(parts)


def create_records(node_label: str, pairs: Sequence[tuple[str, str]] = ()) -> str:
    """CREATE new records with their structural relationship (APPLIED, OWNS, SENT/TO) and
    their entity links (``row.links``, for the given (entity label, relationship) pairs).

    A record created here cannot have links yet, so links are CREATEd; entities are MERGEd.
    One statement per batch: the new node is at hand, nothing is looked up twice.
    """
    lbl = label(node_label)
    node = f"(n:{lbl} {_inline(lbl)})"
    links = _create_links(pairs)
    if lbl == "Application":
        return (
            "UNWIND $rows AS row MATCH (c:Customer {customer_id: row.customer_id}) "
            f"CREATE (c)-[:APPLIED]->{node}{links}"
        )
    if lbl == "Account":
        return (
            f"UNWIND $rows AS row CREATE {node}{links} "
            "WITH n, row WHERE row.customer_id IS NOT NULL "
            "MATCH (c:Customer {customer_id: row.customer_id}) CREATE (c)-[:OWNS]->(n)"
        )
    if lbl == "Transaction":
        return (
            "UNWIND $rows AS row MATCH (p:Account {account_id: row.payer}) "
            f"MATCH (q:Account {{account_id: row.payee}}) CREATE (p)-[:SENT]->{node}-[:TO]->(q)"
            f"{links}"
        )
    return f"UNWIND $rows AS row CREATE {node}{links}"


UPSERT_RECORDS: Final[dict[str, str]] = {
    "Customer": """
UNWIND $rows AS row
MERGE (c:Customer {customer_id: row.id}) SET c += row.props
""",
    "Application": """
UNWIND $rows AS row
MERGE (a:Application {application_id: row.id})
SET a += row.props, a.created_at = datetime(row.props.created_at)
WITH a, row MATCH (c:Customer {customer_id: row.customer_id})
MERGE (c)-[:APPLIED]->(a)
""",
    "Account": """
UNWIND $rows AS row
MERGE (a:Account {account_id: row.id})
SET a += row.props, a.opened_at = coalesce(datetime(row.props.opened_at), a.opened_at)
WITH a, row WHERE row.customer_id IS NOT NULL
MATCH (c:Customer {customer_id: row.customer_id})
MERGE (c)-[:OWNS]->(a)
""",
    "Transaction": """
UNWIND $rows AS row
MERGE (t:Transaction {transaction_id: row.id})
SET t += row.props, t.timestamp = datetime(row.props.timestamp)
WITH t, row MATCH (p:Account {account_id: row.payer}) MATCH (q:Account {account_id: row.payee})
MERGE (p)-[:SENT]->(t)
MERGE (t)-[:TO]->(q)
""",
}


def entity_links(src_label: str, entity_label: str, rel: str) -> str:
    """MERGE the links of records already in the graph (a replayed batch, an update): one
    relationship per (field, span start) of the record."""
    src, ent, typ = label(src_label), label(entity_label), rel_type(rel)
    return (
        f"UNWIND $rows AS row MATCH (s:{src} {{{RECORD_KEYS[src]}: row.src}}) "
        f"MERGE (e:{ent} {{key: row.key}}) ON CREATE SET e.valid = row.valid, e.attrs = row.attrs "
        f"MERGE (s)-[r:{typ} {{field: row.field, start: row.start}}]->(e) "
        "SET r.text = row.text, r.end = row.end, r.extractor = row.extractor, "
        "r.version = row.version, r.confidence = row.confidence"
    )


def bulk_empty_attrs(entity_label: str) -> str:
    """Give the entity nodes of a bulk import the empty ``attrs`` list that the ingest MERGE
    stores (the import tool stores no property for an empty array)."""
    lbl = label(entity_label)
    return (
        f"MATCH (e:{lbl}) WHERE e.attrs IS NULL "
        "CALL (e) { SET e.attrs = [] } IN TRANSACTIONS OF 50000 ROWS"
    )


# --- Entity resolution links (SAME_AS between entity nodes) ------------------------------------


def _node_key(node_label: str) -> tuple[str, str]:
    """A validated label and the property that keys its nodes."""
    lbl = label(node_label)
    return lbl, RECORD_KEYS.get(lbl, "key")


def entity_keys(entity_label: str) -> str:
    """The keys of every node of ``entity_label``."""
    lbl, key = _node_key(entity_label)
    return f"MATCH (n:{lbl}) RETURN n.{key} AS key"


def merge_same_as(node_label: str) -> str:
    """MERGE SAME_AS candidates for ``$rows`` ({left, right, confidence, evidence, method})
    between existing nodes of ``node_label`` (entities, or customers), stamped with the linker
    run ``$run``. A link's review ``status`` is set only when it is created, so a link an
    investigator rejected stays rejected when the linker runs again."""
    lbl, key = _node_key(node_label)
    return (
        "UNWIND $rows AS row "
        f"MATCH (a:{lbl} {{{key}: row.left}}) MATCH (b:{lbl} {{{key}: row.right}}) "
        "MERGE (a)-[r:SAME_AS]->(b) "
        "ON CREATE SET r.status = 'candidate', r.created_at = datetime() "
        "SET r.confidence = row.confidence, r.evidence = row.evidence, r.method = row.method, "
        "r.extractor = $extractor, r.version = $version, r.run = $run "
        "RETURN count(r) AS n"
    )


def prune_same_as(node_label: str) -> str:
    """Delete the unreviewed SAME_AS links of ``$extractor`` between ``node_label`` nodes that
    its run ``$run`` did not propose again (the data or the linker changed since). Reviewed
    links stay. With ``$keys`` set, only links with both ends among them: the records that run
    saw, so a run over one file leaves the links among other files' records alone."""
    lbl, key = _node_key(node_label)
    return (
        f"MATCH (a:{lbl})-[r:SAME_AS]->(b:{lbl}) "
        "WHERE r.extractor = $extractor AND r.status = 'candidate' "
        "AND coalesce(r.run, '') <> $run "
        f"AND ($keys IS NULL OR (a.{key} IN $keys AND b.{key} IN $keys)) "
        "DELETE r RETURN count(*) AS n"
    )


def review_same_as(node_label: str) -> str:
    """Set the review ``$status`` of the SAME_AS link between ``$left`` and ``$right``."""
    lbl, key = _node_key(node_label)
    return (
        f"MATCH (:{lbl} {{{key}: $left}})-[r:SAME_AS]-(:{lbl} {{{key}: $right}}) "
        "SET r.status = $status, r.reviewed_by = $reviewer, r.reviewed_at = datetime() "
        "RETURN count(r) AS n"
    )


#: What a listing returns of each SAME_AS link ``r`` (``SameAsRepository`` reads these names).
_SAME_AS_FIELDS: Final = (
    "r.confidence AS confidence, r.evidence AS evidence, r.method AS method, "
    "r.status AS status, r.extractor AS extractor, r.version AS version"
)


def same_as_links(node_label: str) -> str:
    """The SAME_AS links of the ``node_label`` node ``$key``, strongest first."""
    lbl, key = _node_key(node_label)
    return (
        f"MATCH (:{lbl} {{{key}: $key}})-[r:SAME_AS]-(other:{lbl}) "
        f"RETURN other.{key} AS key, {_SAME_AS_FIELDS} ORDER BY confidence DESC, key"
    )


def same_as_queue(node_label: str) -> str:
    """SAME_AS links between ``node_label`` nodes with review status ``$status``, weakest
    first (the doubtful ones are the ones to look at), ``$skip`` / ``$limit`` paged."""
    lbl, key = _node_key(node_label)
    return (
        f"MATCH (a:{lbl})-[r:SAME_AS]->(b:{lbl}) WHERE r.status = $status "
        f"RETURN a.{key} AS left, b.{key} AS right, {_SAME_AS_FIELDS} "
        "ORDER BY confidence, left, right SKIP $skip LIMIT $limit"
    )


# --- Export to PyG -----------------------------------------------------------------------------
# Streamed with a large fetch size; each returns keys only (plus the few numbers features need).

EXPORT_APPLICATIONS: Final = """
MATCH (a:Application)
RETURN a.application_id AS key, a.created_at.epochSeconds AS time, a.amount AS amount,
       a.income AS income, a.product AS product
"""
EXPORT_ACCOUNTS: Final = """
MATCH (a:Account)
RETURN a.account_id AS key, a.init_balance AS init_balance, a.label_fraud AS label
"""
EXPORT_CUSTOMERS: Final = "MATCH (c:Customer) RETURN c.customer_id AS key"
EXPORT_PAYMENTS: Final = """
MATCH (p:Account)-[:SENT]->(t:Transaction)-[:TO]->(q:Account)
RETURN p.account_id AS src, q.account_id AS dst, t.amount AS amount,
       t.timestamp.epochSeconds AS time
"""


def export_entities(entity_label: str) -> str:
    lbl = label(entity_label)
    return f"MATCH (e:{lbl}) RETURN e.key AS key, coalesce(e.valid, true) AS valid"


def export_links(src_label: str, rel: str, dst_label: str) -> str:
    """Record -> entity links; transactions' links are attributed to the paying account."""
    src, typ, dst = label(src_label), rel_type(rel), label(dst_label)
    if src == "Transaction":
        return (
            f"MATCH (p:Account)-[:SENT]->(:Transaction)-[:{typ}]->(e:{dst}) "
            "RETURN p.account_id AS src, e.key AS dst"
        )
    return (
        f"MATCH (s:{src})-[:{typ}]->(e:{dst}) "
        f"RETURN s.{RECORD_KEYS[src]} AS src, e.{RECORD_KEYS.get(dst, 'key')} AS dst"
    )


# --- Rings ------------------------------------------------------------------------------------


class RingQueries:
    """Cypher of the rings stage: ring detection exports, ring storage, review, alerts."""

    #: Expression giving a member node's key as ``Label:natural key``.
    MEMBER_KEY: Final = (
        "labels(m)[0] + ':' + coalesce(m.customer_id, m.application_id, m.account_id)"
    )

    RING_SCHEMA: Final[tuple[str, ...]] = (
        "CREATE CONSTRAINT ring_id IF NOT EXISTS FOR (r:Ring) REQUIRE r.ring_id IS UNIQUE",
        "CREATE CONSTRAINT review_event_id IF NOT EXISTS "
        "FOR (e:ReviewEvent) REQUIRE e.event_id IS UNIQUE",
        "CREATE CONSTRAINT alert_id IF NOT EXISTS FOR (a:Alert) REQUIRE a.alert_id IS UNIQUE",
    )

    # --- Export (a few whole-graph reads, returned as column lists)

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

    # --- Rings

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

    # --- Post-approval monitoring

    #: Members linked to a flagged ring after ``$linked_after`` (wall clock of the detection) that
    #: were on the books before ``$approved_before`` (data time: an older application or account).
    NEWLY_LINKED_APPROVED: Final = f"""
    MATCH (m)-[link:MEMBER_OF]->(r:Ring)
    WHERE link.since >= $linked_after AND r.score >= $threshold AND coalesce(r.active, true)
      AND r.status <> 'DISMISSED' AND (m:Customer OR m:Account)
      AND (EXISTS {{ MATCH (m)-[:APPLIED]->(a:Application) WHERE a.created_at < $approved_before }}
           OR (m:Account AND m.opened_at < $approved_before))
      AND NOT EXISTS {{
        MATCH (m)-[old:MEMBER_OF]->(o:Ring)
        WHERE old.since < $linked_after AND o.score >= $threshold
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

    @staticmethod
    def upsert_members(member_label: str) -> str:
        """MERGE ``MEMBER_OF`` links of ``member_label`` nodes; ``since`` is set on creation."""
        lbl = label(member_label)
        return (
            f"UNWIND $rows AS row MATCH (r:Ring {{ring_id: row.ring_id}}) "
            f"MATCH (m:{lbl} {{{RECORD_KEYS[lbl]}: row.key}}) "
            "MERGE (m)-[link:MEMBER_OF]->(r) ON CREATE SET link.since = datetime() "
            "SET link.score = row.score"
        )

    @staticmethod
    def evidence_links(binding_label: str) -> str:
        """Link rings to the identifiers (or hub accounts) that bind them."""
        lbl = label(binding_label)
        key = RECORD_KEYS.get(lbl, "key")
        return (
            f"UNWIND $rows AS row MATCH (r:Ring {{ring_id: row.ring_id}}) "
            f"MATCH (e:{lbl} {{{key}: row.key}}) "
            "MERGE (r)-[b:BOUND_BY]->(e) SET b.members = row.members"
        )


# --- Service ----------------------------------------------------------------------------------


class ServiceQueries:
    """Cypher of the real-time service: the risk index, decisions, the ring API."""

    _IDENTIFIERS = "|".join(lbl for lbl in ENTITY_LABELS if lbl != "Person")

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

    @staticmethod
    def set_decisions(record_label: str) -> str:
        """Write the decision of each ``$rows`` ({id, request_id, action, score, model_version})."""
        lbl = label(record_label)
        key = RECORD_KEYS[lbl]
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


# --- Review console ---------------------------------------------------------------------------


class ConsoleQueries:
    """Cypher of the review console (fraudgraph/console): the edges of a ring's drawing."""

    _IDENTIFIER_RELS: Final = (
        "HAS_PHONE|HAS_EMAIL|HAS_ID|HAS_CARD|USED_DEVICE|FROM_IP|HAS_ADDRESS|WORKS_AT"
    )

    #: Which members each binding identifier (or hub account) of the ring is linked to: directly,
    #: through the member's transactions (device, IP), or by transfers to or from a hub account.
    RING_BINDING_EDGES: Final = f"""
    MATCH (r:Ring {{ring_id: $ring_id}})-[:BOUND_BY]->(e)
    MATCH (m)-[:MEMBER_OF]->(r)
    WHERE EXISTS {{ (m)-[:{_IDENTIFIER_RELS}]->(e) }}
       OR EXISTS {{ (m)-[:SENT]->(:Transaction)-[:USED_DEVICE|FROM_IP|TO]->(e) }}
       OR EXISTS {{ (e)-[:SENT]->(:Transaction)-[:TO]->(m) }}
    RETURN labels(e)[0] AS kind, coalesce(e.key, e.account_id, e.customer_id) AS key,
           {RingQueries.MEMBER_KEY} AS member
    ORDER BY kind, key, member LIMIT $limit
    """

    #: Links between two members of the ring: applications, accounts, transfers.
    RING_MEMBER_EDGES: Final = """
    MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m)-[:APPLIED|OWNS]->(n)-[:MEMBER_OF]->(r)
    RETURN labels(m)[0] + ':' + coalesce(m.customer_id, m.application_id, m.account_id) AS source,
           labels(n)[0] + ':' + coalesce(n.application_id, n.account_id) AS target,
           'RECORD' AS kind
    UNION
    MATCH (r:Ring {ring_id: $ring_id})<-[:MEMBER_OF]-(m:Account)-[:SENT]->(:Transaction)
          -[:TO]->(n:Account)-[:MEMBER_OF]->(r)
    RETURN 'Account:' + m.account_id AS source, 'Account:' + n.account_id AS target,
           'TRANSFER' AS kind
    """


# --- Explore (investigators' notebooks) -----------------------------------------------------


class ExploreQueries:
    """Cypher of :mod:`fraudgraph.explore`: find customers, expand neighbourhoods, explain."""

    #: A node's natural key, whatever its label.
    _KEY: Final = (
        "coalesce({v}.key, {v}.customer_id, {v}.application_id, {v}.account_id, "
        "{v}.transaction_id, {v}.merchant_id, {v}.ring_id)"
    )
    _LINKS: Final = "HAS_PHONE|HAS_EMAIL|HAS_ID|HAS_ADDRESS|WORKS_AT|HAS_CARD|USED_DEVICE|FROM_IP"

    #: Names of customers (fuzzy matching happens in Python, on at most $limit rows).
    CUSTOMER_NAMES: Final = """
    MATCH (c:Customer)
    RETURN c.customer_id AS customer_id, coalesce(c.name, '') AS name,
           coalesce(c.name_key, '') AS name_key
    LIMIT $limit
    """

    CUSTOMERS_BY_ID: Final = """
    UNWIND $ids AS cid
    MATCH (c:Customer {customer_id: cid})
    RETURN c.customer_id AS customer_id, coalesce(c.name, '') AS name
    """

    RING_NODE: Final = "MATCH (r:Ring {ring_id: $ring_id}) RETURN elementId(r) AS id"

    #: Customers in live rings (directly or through a record), highest ring score first.
    RING_CUSTOMERS: Final = """
    MATCH (m)-[:MEMBER_OF]->(r:Ring)
    WHERE coalesce(r.active, true) AND coalesce(r.status, 'OPEN') <> 'DISMISSED'
    OPTIONAL MATCH (c:Customer)-[:APPLIED|OWNS]->(m)
    WITH r, coalesce(c, CASE WHEN m:Customer THEN m END) AS c
    WHERE c IS NOT NULL
    WITH c, max(r.score) AS score, collect(DISTINCT r.ring_id) AS rings
    RETURN c.customer_id AS customer_id, coalesce(c.name, '') AS name, score, rings
    ORDER BY score DESC, customer_id LIMIT $limit
    """

    #: The seed nodes themselves.
    NODES: Final = f"""
    UNWIND $ids AS id
    MATCH (n) WHERE elementId(n) = id
    RETURN elementId(n) AS id, labels(n)[0] AS label, {_KEY.format(v="n")} AS key,
           properties(n) AS props, COUNT {{ (n)--() }} AS degree
    """

    #: One hop out of each frontier node over relationship types $types, at most $per_node each.
    EXPAND: Final = f"""
    UNWIND $ids AS id
    MATCH (n) WHERE elementId(n) = id
    CALL (n) {{
      MATCH (n)-[r]-(m)
      WHERE type(r) IN $types
      RETURN r, m ORDER BY elementId(m) LIMIT $per_node
    }}
    RETURN elementId(n) AS src, elementId(m) AS id, type(r) AS type,
           startNode(r) = n AS outgoing, labels(m)[0] AS label, {_KEY.format(v="m")} AS key,
           properties(m) AS props, COUNT {{ (m)--() }} AS degree
    """

    #: Identifiers of a customer's records and the other customers using each (at most $cap).
    CUSTOMER_IDENTIFIERS: Final = f"""
    MATCH (c:Customer {{customer_id: $customer_id}})
    OPTIONAL MATCH (c)-[:APPLIED|OWNS]->(rec)
    WITH c, [c] + collect(rec) AS sources
    UNWIND sources AS s
    MATCH (s)-[link:{_LINKS}|MENTIONS]->(e)
    WITH c, e, collect(DISTINCT type(link)) AS via
    CALL (c, e) {{
      MATCH (e)<--(r) WHERE NOT r:Ring
      WITH r LIMIT $scan
      OPTIONAL MATCH (o:Customer)-[:APPLIED|OWNS]->(r)
      WITH coalesce(o, CASE WHEN r:Customer THEN r END) AS other
      WHERE other IS NOT NULL AND other <> c
      RETURN collect(DISTINCT other.customer_id) AS others
    }}
    RETURN labels(e)[0] AS label, e.key AS key, coalesce(e.valid, true) AS valid,
           e.fraud_score AS model_score, via, others[..$cap] AS others, size(others) AS sharing
    ORDER BY sharing DESC, label, key
    """

    #: Live (not dismissed) rings that each customer, or one of its records, belongs to.
    CUSTOMER_RINGS: Final = """
    UNWIND $ids AS cid
    MATCH (c:Customer {customer_id: cid})
    OPTIONAL MATCH (c)-[:APPLIED|OWNS]->(rec)
    WITH c, [c] + collect(rec) AS xs
    UNWIND xs AS x
    MATCH (x)-[:MEMBER_OF]->(r:Ring)
    WHERE coalesce(r.active, true) AND coalesce(r.status, 'OPEN') <> 'DISMISSED'
    RETURN c.customer_id AS customer_id, r.ring_id AS ring_id, max(r.score) AS score
    """

    #: The customer's latest application (amount and income drive the amount rules).
    LATEST_APPLICATION: Final = """
    MATCH (:Customer {customer_id: $customer_id})-[:APPLIED]->(a:Application)
    RETURN a.application_id AS application_id, coalesce(a.amount, 0.0) AS amount,
           coalesce(a.income, 0.0) AS income
    ORDER BY a.created_at DESC LIMIT 1
    """

    @staticmethod
    def node_id(node_label: str) -> str:
        """The element id of the ``node_label`` node with natural key ``$key``."""
        lbl = label(node_label)
        prop = RECORD_KEYS.get(lbl, "key")
        return f"MATCH (n:{lbl} {{{prop}: $key}}) RETURN elementId(n) AS id"

    @staticmethod
    def customers_by_identifier(entity_label: str) -> str:
        """Customers whose records (or who themselves) use the identifier ``$key``."""
        lbl = label(entity_label)
        return f"""
        MATCH (e:{lbl} {{key: $key}})<-[link]-(r) WHERE NOT r:Ring
        OPTIONAL MATCH (c:Customer)-[:APPLIED|OWNS]->(r)
        OPTIONAL MATCH (p:Customer)-[:OWNS]->(:Account)-[:SENT]->(r)
        WITH coalesce(c, p, CASE WHEN r:Customer THEN r END) AS cust, type(link) AS via
        WHERE cust IS NOT NULL
        RETURN cust.customer_id AS customer_id, coalesce(cust.name, '') AS name,
               collect(DISTINCT via) AS via
        ORDER BY customer_id LIMIT $limit
        """
