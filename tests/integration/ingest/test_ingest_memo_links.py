"""An identifier found only in transfer memos links two otherwise unconnected customers."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.settings import Settings
from tests.integration.ingest.ingest_fixtures import (
    account,
    customer,
    small_world,
    transaction,
    write_jsonl,
)

pytestmark = pytest.mark.integration

MEMO_1 = "还款 请联系 139-8765-4321"
MEMO_2 = "rent, call me on +86 139 8765 4321"


def test_memo_phone_links_two_customers(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = small_world(tmp_path / "world", customers=2, transactions=0)
    # Two customers with nothing in common: their own phones and e-mails differ.
    write_jsonl(folder / "customers.jsonl", [customer(1), customer(2)])
    write_jsonl(folder / "applications.jsonl", [])
    write_jsonl(folder / "accounts.jsonl", [account(1, "C0001"), account(2, "C0002")])
    write_jsonl(
        folder / "transactions.jsonl",
        [
            transaction(1, "AC00001", "EXT-1", memo=MEMO_1),
            transaction(2, "AC00002", "EXT-2", memo=MEMO_2),
        ],
    )
    init_schema(driver, neo4j_settings.neo4j_database)
    loader = Loader(
        driver, neo4j_settings.neo4j_database, state_dir=tmp_path / "state",
        extractor=EntityExtractor.load(), progress=False,
    )  # fmt: skip
    loader.load(folder, synth_files(folder))

    database = neo4j_settings.neo4j_database
    records, _, _ = driver.execute_query(
        "MATCH (c1:Customer {customer_id: 'C0001'})-[:OWNS]->(:Account)-[:SENT]->(t1:Transaction)"
        "-[m1:MENTIONS]->(p:Phone)<-[m2:MENTIONS]-(t2:Transaction)<-[:SENT]-(:Account)"
        "<-[:OWNS]-(c2:Customer {customer_id: 'C0002'}) "
        "RETURN p.key AS phone, m1 {.*} AS m1, m2 {.*} AS m2",
        database_=database,
    )
    assert len(records) == 1
    link = records[0]
    assert link["phone"] == "+8613987654321"
    m1, m2 = link["m1"], link["m2"]
    assert m1["field"] == "memo"
    assert MEMO_1[m1["start"] : m1["end"]] == m1["text"] == "139-8765-4321"
    assert MEMO_2[m2["start"] : m2["end"]] == m2["text"]
    assert m1["extractor"].startswith("fraudgraph.nlp")
    assert 0 < m1["confidence"] <= 1
    assert m1["version"]

    # Without the memo mentions the two customers are not connected at all.
    unlinked, _, _ = driver.execute_query(
        "MATCH (a:Customer {customer_id: 'C0001'}), (b:Customer {customer_id: 'C0002'}) "
        "RETURN EXISTS { MATCH p = (a)-[*..8]-(b) "
        "WHERE none(r IN relationships(p) WHERE type(r) = 'MENTIONS') } AS linked",
        database_=database,
    )
    assert unlinked[0]["linked"] is False
