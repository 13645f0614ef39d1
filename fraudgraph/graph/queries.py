"""All Cypher of fraudgraph, in one place.

Values always travel as parameters. Labels and relationship types cannot be parameters in
Cypher, so the few queries that take one are built by functions that first check the name
against the schema's closed set (:func:`label`, :func:`rel_type`): nothing from outside ever
reaches query text.
"""

from __future__ import annotations

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
        "SAME_AS",  # Customer -> Customer candidate link from entity resolution
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
# A batch is one transaction. Records not yet in the graph are CREATEd with inline property maps
# (no Eager operators, no relationship scans); records already there (a replayed batch after a
# crash, or an update) go through MERGE statements. Either way a replay changes nothing.

#: Properties written for each record label, in the order of the CREATE statements.
RECORD_PROPS: Final[dict[str, tuple[str, ...]]] = {
    "Customer": ("name", "name_key", "language"),
    "Application": ("product", "created_at", "name", "name_key", "income", "amount", "channel",
                    "language", "purpose", "employment", "remarks"),
    "Account": ("kind", "init_balance", "opened_at", "label_fraud"),
    "Transaction": ("amount", "currency", "timestamp", "channel", "memo"),
}  # fmt: skip


def _inline(lbl: str) -> str:
    key = RECORD_KEYS[lbl]
    props = ", ".join(f"{p}: row.props.{p}" for p in RECORD_PROPS[lbl])
    return f"{{{key}: row.id, {props}}}"


def existing_keys(node_label: str) -> str:
    lbl = label(node_label)
    key = RECORD_KEYS[lbl]
    return f"UNWIND $ids AS id MATCH (n:{lbl} {{{key}: id}}) RETURN collect(n.{key}) AS ids"


def merge_keys(node_label: str) -> str:
    """Make sure nodes exist for ``$ids`` (the customers or accounts a batch refers to)."""
    lbl = label(node_label)
    return f"UNWIND $ids AS id MERGE (:{lbl} {{{RECORD_KEYS[lbl]}: id}})"


def create_records(node_label: str) -> str:
    """CREATE new records with their structural relationship (APPLIED, OWNS, SENT/TO)."""
    lbl = label(node_label)
    node = f"(n:{lbl} {_inline(lbl)})"
    if lbl == "Application":
        return (
            "UNWIND $rows AS row MATCH (c:Customer {customer_id: row.customer_id}) "
            f"CREATE (c)-[:APPLIED]->{node}"
        )
    if lbl == "Account":
        return (
            f"UNWIND $rows AS row CREATE {node} WITH n, row WHERE row.customer_id IS NOT NULL "
            "MATCH (c:Customer {customer_id: row.customer_id}) CREATE (c)-[:OWNS]->(n)"
        )
    if lbl == "Transaction":
        return (
            "UNWIND $rows AS row MATCH (p:Account {account_id: row.payer}) "
            f"MATCH (q:Account {{account_id: row.payee}}) CREATE (p)-[:SENT]->{node}-[:TO]->(q)"
        )
    return f"UNWIND $rows AS row CREATE {node}"


UPSERT_RECORDS: Final[dict[str, str]] = {
    "Customer": """
UNWIND $rows AS row
MERGE (c:Customer {customer_id: row.id}) SET c += row.props
""",
    "Application": """
UNWIND $rows AS row
MERGE (a:Application {application_id: row.id}) SET a += row.props
WITH a, row MATCH (c:Customer {customer_id: row.customer_id})
MERGE (c)-[:APPLIED]->(a)
""",
    "Account": """
UNWIND $rows AS row
MERGE (a:Account {account_id: row.id}) SET a += row.props
WITH a, row WHERE row.customer_id IS NOT NULL
MATCH (c:Customer {customer_id: row.customer_id})
MERGE (c)-[:OWNS]->(a)
""",
    "Transaction": """
UNWIND $rows AS row
MERGE (t:Transaction {transaction_id: row.id}) SET t += row.props
WITH t, row MATCH (p:Account {account_id: row.payer}) MATCH (q:Account {account_id: row.payee})
MERGE (p)-[:SENT]->(t)
MERGE (t)-[:TO]->(q)
""",
}


def entity_links(src_label: str, entity_label: str, rel: str, *, new_sources: bool) -> str:
    """Link records to entity nodes, one relationship per (field, span start) of the record.

    For records created in the same transaction the links cannot exist yet: CREATE them.
    """
    src, ent, typ = label(src_label), label(entity_label), rel_type(rel)
    head = (
        f"UNWIND $rows AS row MATCH (s:{src} {{{RECORD_KEYS[src]}: row.src}}) "
        f"MERGE (e:{ent} {{key: row.key}}) ON CREATE SET e.valid = row.valid, e.attrs = row.attrs "
    )
    props = ("text: row.text, end: row.end, extractor: row.extractor, version: row.version, "
             "confidence: row.confidence")  # fmt: skip
    if new_sources:
        return head + f"CREATE (s)-[:{typ} {{field: row.field, start: row.start, {props}}}]->(e)"
    return (
        head + f"MERGE (s)-[r:{typ} {{field: row.field, start: row.start}}]->(e) "
        "SET r.text = row.text, r.end = row.end, r.extractor = row.extractor, "
        "r.version = row.version, r.confidence = row.confidence"
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
