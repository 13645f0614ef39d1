"""Turning typed records and their entities into the parameter rows of the ingest queries."""

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
    """One transaction's worth of records of one label, and the entity links they carry."""

    label: str
    records: list[dict[str, Any]] = field(default_factory=list)
    links: dict[tuple[str, str], list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def references(self) -> list[tuple[str, list[str]]]:
        refs = []
        for ref_label, columns in REFERENCES.get(self.label, ()):
            ids = {r[c] for r in self.records for c in columns if r.get(c)}
            refs.append((ref_label, sorted(ids)))
        return refs

    def add_entities(self, pos: int, entities: list[Entity]) -> None:
        """Add the entities found in the fields of ``self.records[pos]``."""
        record = self.records[pos]
        free = set(FREE_TEXT_FIELDS.get(self.label, ()))
        for entity in entities:
            prov = entity.provenance
            if prov is None or not entity.canonical:
                continue
            if entity.kind is EntityKind.PERSON and prov.field == "name":
                record["props"]["name_key"] = entity.attributes.get("romanised", entity.canonical)
                continue
            node = ENTITY_NODES.get(entity.kind)
            if node is None:
                continue  # amounts, dates, titles: properties of text, not graph nodes
            rel = "MENTIONS" if prov.field in free else node[1]
            attrs = _attribute_list(entity.attributes) if entity.attributes else []
            self.links[(node[0], rel)].append(
                {
                    "pos": pos,
                    "src": record["id"],
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
            )

    def link_statements(self, new_positions: set[int]) -> list[tuple[str, list[dict[str, Any]]]]:
        out = []
        for (ent, rel), rows in sorted(self.links.items()):
            fresh = [r for r in rows if r["pos"] in new_positions]
            known = [r for r in rows if r["pos"] not in new_positions]
            if fresh:
                out.append((queries.entity_links(self.label, ent, rel, new_sources=True), fresh))
            if known:
                out.append((queries.entity_links(self.label, ent, rel, new_sources=False), known))
        return out


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
        "created_at": app.created_at,
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
        props["opened_at"] = account.opened_at
    props.update(extra)
    return {"id": account.account_id, "customer_id": account.customer_id, "props": props}


def transaction_row(txn: Transaction) -> dict[str, Any]:
    props = {
        "amount": txn.amount,
        "currency": txn.currency,
        "timestamp": txn.timestamp,
        "channel": txn.channel,
        "memo": txn.memo,
    }
    return {
        "id": txn.transaction_id,
        "payer": txn.payer_account,
        "payee": txn.payee_account,
        "props": props,
    }
