"""Turning typed records and their entities into the parameter rows of the ingest queries.

Times travel as ISO 8601 strings that the queries turn into DateTime values
(``queries.TIME_PROPS``): the driver's own DateTime packing is pure Python and cost more CPU
than everything else in a batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fraudgraph.graph import queries
from fraudgraph.types import Account, Application, Entity, EntityKind, Transaction

#: Entity kind -> (node label, relationship used when the entity is a structured field).
ENTITY_NODES: Mapping[EntityKind, tuple[str, str]] = {
    EntityKind.PHONE: ("Phone", "HAS_PHONE"),
    EntityKind.EMAIL: ("Email", "HAS_EMAIL"),
    EntityKind.ID_NUMBER: ("IdNumber", "HAS_ID"),
    EntityKind.BANK_CARD: ("BankCard", "HAS_CARD"),
    EntityKind.DEVICE: ("Device", "USED_DEVICE"),
    EntityKind.IP: ("IP", "FROM_IP"),
    EntityKind.ADDRESS: ("Address", "HAS_ADDRESS"),
    EntityKind.ORGANIZATION: ("Organization", "WORKS_AT"),
    EntityKind.USCC: ("Uscc", "MENTIONS"),
    EntityKind.PERSON: ("Person", "MENTIONS"),
}

#: Fields of each record kind holding free text: their entities are MENTIONS with provenance.
FREE_TEXT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Application": ("purpose", "employment", "remarks"),
    "Transaction": ("memo",),
}
#: Structured fields whose entity becomes a typed link (HAS_PHONE, WORKS_AT...). A person's
#: own name is not a node (common names would glue strangers together): it becomes the
#: record's ``name_key`` property for entity resolution.
STRUCTURED_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Customer": ("name", "phone", "email", "id_number", "address", "employer"),
    "Application": (
        "name",
        "phone",
        "email",
        "id_number",
        "address",
        "employer",
        "device_id",
        "ip",
    ),
    "Account": ("card_number",),
    "Transaction": ("device_id", "ip"),
}
#: What a record refers to that must exist before it is created.
REFERENCES: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "Application": (("Customer", ("customer_id",)),),
    "Account": (("Customer", ("customer_id",)),),
    "Transaction": (("Account", ("payer", "payee")),),
}


@dataclass(slots=True)
class WriteBatch:
    """One transaction's worth of records of one label, and the entity links they carry.

    Each record row may hold ``links``: {``Entity_REL`` pair key: [link rows]}, written by the
    same statement that creates the record (see :func:`queries.create_records`).
    """

    label: str
    records: list[dict[str, Any]] = field(default_factory=list)

    def references(self) -> list[tuple[str, list[str]]]:
        refs = []
        for ref_label, columns in REFERENCES.get(self.label, ()):
            ids = {r[c] for r in self.records for c in columns if r.get(c)}
            refs.append((ref_label, sorted(ids)))
        return refs

    def add_entities(self, pos: int, entities: list[Entity]) -> None:
        """Add the entities found in the fields of ``self.records[pos]``."""
        self.add_field_links(pos, field_links(self.label, entities))

    def add_field_links(self, pos: int, links: FieldLinks) -> None:
        """Add what :func:`field_links` made of one field's entities to ``self.records[pos]``."""
        name_key, pairs = links
        record = self.records[pos]
        if name_key is not None:
            record["props"]["name_key"] = name_key
        if not pairs:
            return
        by_pair = record.get("links")
        if by_pair is None:
            by_pair = record["links"] = {}
        for pair, link in pairs:
            found = by_pair.get(pair)
            if found is None:
                by_pair[pair] = [link]
            else:
                found.append(link)

    def pairs(self) -> list[tuple[str, str]]:
        """The (entity label, relationship) pairs linked from the records, sorted."""
        keys = {pair for r in self.records for pair in r.get("links", ())}
        return sorted(PAIRS[key] for key in keys)

    def link_statements(self, rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
        """MERGE statements for the links of ``rows`` (records already in the graph)."""
        flat: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            for pair, links in row.get("links", {}).items():
                flat[pair].extend({**link, "src": row["id"]} for link in links)
        return [
            (queries.entity_links(self.label, *PAIRS[pair]), flat[pair]) for pair in sorted(flat)
        ]


#: (``name_key`` of a person's own name or None, ((pair key, link row), ...)) of one field.
FieldLinks = tuple[str | None, tuple[tuple[str, dict[str, Any]], ...]]

#: Pair key (``Phone_HAS_PHONE``) -> (entity label, relationship type).
PAIRS: Mapping[str, tuple[str, str]] = {
    f"{node}_{rel}": (node, rel)
    for node, typed in ENTITY_NODES.values()
    for rel in {typed, "MENTIONS"}
}


def field_links(record_label: str, entities: list[Entity]) -> FieldLinks:
    """The link rows (and name key) of entities found in the fields of a ``record_label`` record.

    The result holds no record id, so it can be cached per field value and shared by records.
    """
    free = FREE_TEXT_FIELDS.get(record_label, ())
    name_key: str | None = None
    pairs: list[tuple[str, dict[str, Any]]] = []
    for entity in entities:
        prov = entity.provenance
        if prov is None or not entity.canonical:
            continue
        if entity.kind is EntityKind.PERSON and prov.field == "name":
            name_key = entity.attributes.get("romanised", entity.canonical)
            continue
        node = ENTITY_NODES.get(entity.kind)
        if node is None:
            continue  # amounts, dates, titles: properties of text, not graph nodes
        rel = "MENTIONS" if prov.field in free else node[1]
        attrs = _attribute_list(entity.attributes) if entity.attributes else []
        link = {
            "key": entity.canonical,
            "valid": entity.valid,
            "attrs": attrs,
            "field": prov.field,
            "start": prov.start,
            "end": prov.end,
            "text": entity.text[:200],
            "extractor": prov.extractor,
            "version": prov.version,
            "confidence": prov.confidence,
        }
        pairs.append((f"{node[0]}_{rel}", link))
    return name_key, tuple(pairs)


def _attribute_list(attributes: Mapping[str, str]) -> list[str]:
    """``key=value`` strings (sorted, 200 characters at most) stored on new entity nodes."""
    return [f"{k}={v}"[:200] for k, v in sorted(attributes.items())]


def customer_row(row: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": row["customer_id"],
        "props": {"name": row.get("name", ""), "language": row.get("language", "")},
    }


def application_row(app: Application) -> dict[str, Any]:
    props = {
        "product": app.product.value,
        "created_at": app.created_at.isoformat(),
        "name": app.name,
        "income": app.income,
        "amount": app.amount,
        "channel": app.channel,
        "language": app.language,
        "purpose": app.purpose,
        "employment": app.employment,
        "remarks": app.remarks,
    }
    return {"id": app.application_id, "customer_id": app.customer_id, "props": props}


def account_row(account: Account, extra: Mapping[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"kind": account.kind, "init_balance": account.init_balance}
    if account.opened_at is not None:
        props["opened_at"] = account.opened_at.isoformat()
    props.update(extra)
    return {"id": account.account_id, "customer_id": account.customer_id, "props": props}


def transaction_row(txn: Transaction) -> dict[str, Any]:
    props = {
        "amount": txn.amount,
        "currency": txn.currency,
        "timestamp": txn.timestamp.isoformat(),
        "channel": txn.channel,
        "memo": txn.memo,
    }
    return {
        "id": txn.transaction_id,
        "payer": txn.payer_account,
        "payee": txn.payee_account,
        "props": props,
    }
