"""Small input folders in the synth layout, written by the tests themselves."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fraudgraph.nlp.extractor import TextRecord
from fraudgraph.types import Entity, EntityKind, Provenance


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def customer(i: int) -> dict[str, Any]:
    return {
        "customer_id": f"C{i:04d}",
        "name": f"张{i}",
        "id_number": "",
        "phone": f"+86 139 {i:04d} {i:04d}",
        "email": f"user{i}@example.com",
        "address": "",
        "employer": "",
        "language": "zh",
    }


def application(i: int, customer_id: str, **overrides: Any) -> dict[str, Any]:
    row = {
        "application_id": f"A{i:05d}",
        "customer_id": customer_id,
        "product": "loan" if i % 2 else "card",
        "created_at": f"2026-03-{1 + i % 28:02d}T10:00:00+08:00",
        "name": f"张{i}",
        "id_number": "",
        "phone": f"139-{i:04d}-{i:04d}",
        "email": f"user{i}@example.com",
        "address": "",
        "employer": "",
        "income": 8000 + i,
        "amount": 50000,
        "device_id": f"dev-{i % 7}",
        "ip": f"10.0.{i % 5}.{i % 250 + 1}",
        "channel": "app",
        "language": "zh",
        "purpose": "",
        "employment": "",
        "remarks": "",
    }
    row.update(overrides)
    return row


def account(i: int, customer_id: str | None) -> dict[str, Any]:
    return {"account_id": f"AC{i:05d}", "customer_id": customer_id,
            "opened_at": "2025-01-01T00:00:00+08:00", "kind": "debit", "card_number": "",
            "init_balance": 100.0}  # fmt: skip


def transaction(i: int, payer: str, payee: str, **overrides: Any) -> dict[str, Any]:
    row = {"transaction_id": f"T{i:06d}", "payer_account": payer, "payee_account": payee,
           "amount": 10.5 + i, "currency": "CNY",
           "timestamp": f"2026-03-{1 + i % 28:02d}T12:{i % 60:02d}:00+08:00",
           "channel": "mobile", "device_id": "", "ip": "", "memo": ""}  # fmt: skip
    row.update(overrides)
    return row


def small_world(folder: Path, customers: int = 40, transactions: int = 400) -> Path:
    """A folder in the synth layout with ``customers`` customers, one application each."""
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "customers.jsonl", [customer(i) for i in range(customers)])
    write_jsonl(
        folder / "applications.jsonl",
        [application(i, f"C{i:04d}") for i in range(customers)],
    )
    write_jsonl(folder / "accounts.jsonl", [account(i, f"C{i:04d}") for i in range(customers)])
    write_jsonl(
        folder / "transactions.jsonl",
        [
            transaction(i, f"AC{i % customers:05d}", f"AC{(i * 7 + 1) % customers:05d}")
            for i in range(transactions)
        ],
    )
    (folder / "manifest.json").write_text(json.dumps({"format": "fraudgraph-synth/1"}))
    return folder


FIELD_KINDS = {"phone": EntityKind.PHONE, "device_id": EntityKind.DEVICE, "ip": EntityKind.IP}


class FieldExtractor:
    """Stands in for the NLP stage: structured phone/device/IP fields become entities as-is."""

    def extract_many(
        self, records: Iterable[TextRecord], *, batch_size: int = 256
    ) -> list[list[Entity]]:
        out = []
        for rec in records:
            kind = FIELD_KINDS.get(rec.field)
            prov = Provenance(rec.source_id, rec.field, 0, len(rec.text), "test", "0", 1.0)
            out.append([Entity(kind, rec.text, rec.text.strip(), True, prov)] if kind else [])
        return out
