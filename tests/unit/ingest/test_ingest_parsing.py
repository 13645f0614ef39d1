"""Parsing raw rows into typed records; source files; checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from fraudgraph.errors import IngestError, InvalidInputError
from fraudgraph.ingest.checkpoint import Checkpoint
from fraudgraph.ingest.record_parser import parse_application, parse_transaction
from fraudgraph.ingest.sources import SourceFile, amlsim_files, detect_files, parse_mapping
from fraudgraph.types import Product

TXN = {"transaction_id": "T1", "payer_account": "A", "payee_account": "B", "amount": "1,234.50",
       "timestamp": "2026-03-01T12:00:00+08:00", "memo": " 还款 "}  # fmt: skip


def test_transaction_is_parsed_and_cleaned() -> None:
    txn = parse_transaction(TXN)
    assert txn.amount == pytest.approx(1234.5)
    assert txn.currency == "CNY"
    assert txn.memo == "还款"
    assert txn.timestamp == datetime(2026, 3, 1, 12, tzinfo=timezone(timedelta(hours=8)))


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"amount": "abc"}, "amount", "not a number"),
        ({"amount": "-5"}, "amount", "negative"),
        ({"amount": "nan"}, "amount", "finite"),
        ({"timestamp": "yesterday"}, "timestamp", "ISO 8601"),
        ({"payer_account": "  "}, "payer_account", "missing"),
        ({"transaction_id": None}, "transaction_id", "missing"),
    ],
)
def test_bad_transactions_name_the_field(
    change: dict[str, object], field: str, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=reason) as info:
        parse_transaction({**TXN, **change})
    assert info.value.field == field


def test_naive_times_are_utc() -> None:
    txn = parse_transaction({**TXN, "timestamp": "2026-03-01 12:00:00"})
    assert txn.timestamp.tzinfo == UTC


def test_application_product_is_checked() -> None:
    row = {"application_id": "A1", "customer_id": "C1", "product": "LOAN",
           "created_at": "2026-01-01T00:00:00+08:00"}  # fmt: skip
    assert parse_application(row).product is Product.LOAN
    with pytest.raises(InvalidInputError, match="unknown product"):
        parse_application({**row, "product": "mortgage"})


def test_csv_source_maps_columns_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    path.write_bytes(
        b"id,from,to,amt,ts\n"
        b"t1,a,b,10,2026-01-01T00:00:00Z\n"
        b"t2,a,b\n"
        b"t3,a,\xff,5,2026-01-01T00:00:00Z\n"
        b"t4,b,a,7,2026-01-02T00:00:00Z\n"
    )
    mapping = parse_mapping(["id=transaction_id", "from=payer_account", "to=payee_account",
                             "amt=amount", "ts=timestamp"])  # fmt: skip
    rows = list(SourceFile(path, "transactions", mapping).rows())
    good = [r for r in rows if r.data is not None]
    bad = {r.line: r.error for r in rows if r.data is None}
    assert [parse_transaction(r.data).transaction_id for r in good if r.data] == ["t1", "t4"]
    assert set(bad) == {3, 4}
    assert "columns" in (bad[3] or "")
    assert "encoding" in (bad[4] or "")


def test_bad_mapping_is_refused() -> None:
    with pytest.raises(IngestError, match="COLUMN=FIELD"):
        parse_mapping(["oops"])


def test_layouts_are_detected(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="cannot tell the layout"):
        detect_files(tmp_path)
    (tmp_path / "nodes.csv").write_text("nodeid,isFraud,init_balance,fraudStep\n7,1,10.5,3\n")
    (tmp_path / "transactions.csv").write_text("sourceNodeId,targetNodeId,value,time\n7,8,1.5,2\n")
    files = detect_files(tmp_path)
    assert [f.kind for f in files] == ["accounts", "transactions"]
    account = next(iter(amlsim_files(tmp_path)[0].rows())).data
    transfer = next(iter(amlsim_files(tmp_path)[1].rows())).data
    assert account == {"account_id": "amlsim-7", "init_balance": "10.5", "kind": "amlsim",
                       "label_fraud": True}  # fmt: skip
    assert transfer is not None
    assert transfer["transaction_id"] == "amlsim-t1"
    assert parse_transaction(transfer).timestamp == datetime(2017, 1, 3, tzinfo=UTC)


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "world"
    checkpoint = Checkpoint.for_source(tmp_path / "state", source)
    checkpoint.progress("a.jsonl").line = 42
    checkpoint.rejects_bytes = 99
    checkpoint.save()
    loaded = Checkpoint.for_source(tmp_path / "state", source)
    assert loaded.progress("a.jsonl").line == 42
    assert loaded.rejects_bytes == 99
    loaded.clear()
    assert Checkpoint.for_source(tmp_path / "state", source).files == {}
