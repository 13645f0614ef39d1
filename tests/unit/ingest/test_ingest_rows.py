"""Ingest rows: JSON lines reading, cached field links, one CREATE statement per batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudgraph.errors import InvalidInputError
from fraudgraph.graph import queries
from fraudgraph.ingest.fifo_cache import FifoCache
from fraudgraph.ingest.graph_rows import WriteBatch, field_links, transaction_row
from fraudgraph.ingest.record_parser import parse_transaction
from fraudgraph.ingest.sources import SourceFile
from fraudgraph.types import Entity, EntityKind, Provenance


def _entity(kind: EntityKind, text: str, field: str, **attrs: str) -> Entity:
    prov = Provenance("ignored", field, 0, len(text), "test", "1", 0.9)
    return Entity(kind, text, text.lower(), True, prov, attrs)


def test_jsonl_rows_read_what_json_reads_and_name_what_it_cannot(tmp_path: Path) -> None:
    path = tmp_path / "transactions.jsonl"
    path.write_bytes(
        b'{"transaction_id": "T1", "amount": 5}\n'
        b"\n"
        b'{"transaction_id": "T2", "amount": NaN, "n": 123456789012345678901234}\n'
        b"[1, 2]\n"
        b'{"transaction_id": broken\n'
        b'{"transaction_id": "\xff"}\n'
    )
    rows = list(SourceFile(path, "transactions").rows())
    assert [r.line for r in rows] == [1, 3, 4, 5, 6]  # the blank line 2 is no row
    assert rows[0].data == {"transaction_id": "T1", "amount": 5}
    assert rows[1].data is not None
    assert rows[1].data["n"] == 123456789012345678901234
    assert rows[2].error == "a JSON object was expected"
    assert rows[2].preview() == "[1, 2]"
    assert rows[3].error is not None
    assert rows[3].error.startswith("bad JSON")
    assert rows[4].error is not None
    assert rows[4].error.startswith("bad encoding")


def test_field_links_keep_provenance_but_no_record_id() -> None:
    name = _entity(EntityKind.PERSON, "张伟", "name", romanised="zhang wei")
    phone = _entity(EntityKind.PHONE, "+8613900000000", "phone")
    name_key, pairs = field_links("Application", [name, phone])
    assert name_key == "zhang wei"
    assert [pair for pair, _ in pairs] == ["Phone_HAS_PHONE"]
    link = pairs[0][1]
    assert link["key"] == "+8613900000000"
    assert link["field"] == "phone"
    assert "src" not in link
    assert "pos" not in link
    memo_phone = _entity(EntityKind.PHONE, "13900000000", "memo")
    assert [p for p, _ in field_links("Transaction", [memo_phone])[1]] == ["Phone_MENTIONS"]


def test_shared_field_links_are_copied_per_record_for_merges() -> None:
    links = field_links("Application", [_entity(EntityKind.DEVICE, "dev-1", "device_id")])
    batch = WriteBatch("Application")
    batch.records += [{"id": "A1", "props": {}}, {"id": "A2", "props": {}}]
    batch.add_field_links(0, links)
    batch.add_field_links(1, links)
    assert batch.pairs() == [("Device", "USED_DEVICE")]
    [(query, rows)] = batch.link_statements(batch.records)
    assert "MERGE (s)-[r:USED_DEVICE" in query
    assert [r["src"] for r in rows] == ["A1", "A2"]
    assert all("src" not in link for _, link in links[1])  # the cached rows are untouched


def test_new_records_and_their_links_are_one_statement() -> None:
    query = queries.create_records("Transaction", [("Device", "USED_DEVICE"), ("IP", "FROM_IP")])
    assert query.count("UNWIND") == 1
    assert "row.links.Device_USED_DEVICE" in query
    assert "row.links.IP_FROM_IP" in query
    assert "timestamp: datetime(row.props.timestamp)" in query
    with pytest.raises(InvalidInputError):
        queries.create_records("Transaction", [("Device", "DROP")])


def test_times_travel_as_iso_strings() -> None:
    txn = parse_transaction({"transaction_id": "T1", "payer_account": "A", "payee_account": "B",
                             "amount": "3", "timestamp": "2026-03-01T12:00:00+08:00"})  # fmt: skip
    assert transaction_row(txn)["props"]["timestamp"] == "2026-03-01T12:00:00+08:00"


def test_fifo_cache_forgets_the_oldest_first() -> None:
    cache: FifoCache[str, int] = FifoCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)  # an update keeps the size
    cache.put("c", 4)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 4)
    assert len(cache) == 2
