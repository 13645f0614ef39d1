"""The bulk CSV writer replays the ingest MERGE semantics; the bulk loader refuses what it can't."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from fraudgraph.errors import IngestError
from fraudgraph.graph.admin_import import ImportInput
from fraudgraph.ingest.bulk_csv_writer import BulkCsvWriter
from fraudgraph.ingest.bulk_loader import BulkLoader
from fraudgraph.ingest.graph_rows import WriteBatch, transaction_row
from fraudgraph.ingest.record_parser import parse_transaction
from fraudgraph.settings import Settings


def _txn(txn_id: str, payee: str, **change: Any) -> dict[str, Any]:
    raw = {"transaction_id": txn_id, "payer_account": "P", "payee_account": payee,
           "amount": 10.0, "timestamp": "2026-03-01T12:00:00+08:00", "memo": "m"}  # fmt: skip
    return transaction_row(parse_transaction({**raw, **change}))


def _link(key: str, start: int, text: str, *, valid: bool = True) -> dict[str, Any]:
    return {"key": key, "valid": valid, "attrs": [f"seen={text}"], "field": "memo",
            "start": start, "end": start + len(text), "text": text, "extractor": "x",
            "version": "1", "confidence": 0.5}  # fmt: skip


def _with_links(row: dict[str, Any], *links: dict[str, Any]) -> dict[str, Any]:
    row["links"] = {"Phone_MENTIONS": list(links)}
    return row


def _rows(data: ImportInput, name: str) -> tuple[list[str], list[list[str]]]:
    group = next(g for g in [*data.nodes, *data.relationships] if g.files[1].stem == name)
    header = group.files[0].read_text(encoding="utf-8").strip().split(",")
    with group.files[1].open(encoding="utf-8", newline="") as handle:
        return header, list(csv.reader(handle))


def test_a_repeated_record_updates_like_merge(tmp_path: Path) -> None:
    writer = BulkCsvWriter(tmp_path)
    first = _with_links(_txn("T1", "Q"), _link("+8613912345678", 3, "13912345678"))
    writer.add(WriteBatch("Transaction", [first, _txn("T2", "Q")]))
    again = _with_links(
        _txn("T1", "R", amount=7.5, memo=""),  # a second payee, a new amount, memo "" kept
        _link("+8613912345678", 3, "139-1234-5678", valid=False),  # same link: new text
        _link("+8613800000000", 20, "13800000000"),  # a new link
    )
    writer.add(WriteBatch("Transaction", [again]))
    data = writer.finish()

    header, nodes = _rows(data, "node-Transaction")
    assert header[:4] == [
        "transaction_id:ID(Transaction)",
        "amount:double",
        "currency",
        "timestamp:datetime",
    ]
    t1 = next(r for r in nodes if r[0] == "T1")
    assert t1[1:] == ["7.5", "CNY", "2026-03-01T12:00:00+08:00", "", ""]
    _, accounts = _rows(data, "node-Account")
    assert sorted(r[0] for r in accounts) == ["P", "Q", "R"]  # bare nodes for the references
    _, sent_to = _rows(data, "rel-Transaction-TO")
    assert sorted(map(tuple, sent_to)) == [("T1", "Q"), ("T1", "R"), ("T2", "Q")]
    _, links = _rows(data, "rel-Transaction-MENTIONS-Phone")
    assert sorted((r[1], r[5]) for r in links) == [
        ("+8613800000000", "13800000000"), ("+8613912345678", "139-1234-5678")
    ]  # fmt: skip
    _, phones = _rows(data, "node-Phone")
    assert ["+8613912345678", "true", "seen=13912345678"] in phones  # first sighting wins
    assert writer.counts.nodes == 2 + 3 + 2
    assert writer.counts.relationships == 2 + 3 + 2  # SENT, TO, MENTIONS


def test_a_null_removes_a_property_and_a_quote_survives(tmp_path: Path) -> None:
    writer = BulkCsvWriter(tmp_path)
    props = {"kind": 'say "hi"', "init_balance": 1.0, "opened_at": "2025-01-01T00:00:00+00:00"}
    row = {"id": "AC1", "customer_id": None, "props": props}
    writer.add(WriteBatch("Account", [row]))
    writer.add(WriteBatch("Account", [{"id": "AC1", "customer_id": None,
                                       "props": {"init_balance": None}}]))  # fmt: skip
    data = writer.finish()
    _, nodes = _rows(data, "node-Account")
    assert nodes == [["AC1", 'say "hi"', "", "2025-01-01T00:00:00+00:00", ""]]
    assert not any(g.name == "OWNS" for g in data.relationships)  # no owner, no OWNS


def test_a_property_of_two_types_is_refused(tmp_path: Path) -> None:
    writer = BulkCsvWriter(tmp_path)
    writer.add(WriteBatch("Account", [
        {"id": "A1", "customer_id": None, "props": {"kind": "x", "label_fraud": True}},
        {"id": "A2", "customer_id": None, "props": {"kind": "x", "label_fraud": "yes"}},
    ]))  # fmt: skip
    with pytest.raises(IngestError, match="label_fraud holds values of types bool, str"):
        writer.finish()


def test_bulk_refuses_a_remote_server(tmp_path: Path) -> None:
    settings = Settings(neo4j_uri="bolt://graph.bank.example:7687",
                        neo4j_password=SecretStr("not-used-here"), var_dir=tmp_path)  # fmt: skip
    loader = BulkLoader(settings, extractor=None, progress=False)
    with pytest.raises(IngestError, match="--bulk-csv-only"):
        loader.load(tmp_path, [])
