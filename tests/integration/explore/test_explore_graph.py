"""The notebooks' helper API against the real Neo4j: find, expand, explain, review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from neo4j import Driver

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.explore import Investigation
from fraudgraph.explore.neighbourhood_expander import ExpandLimits
from fraudgraph.graph.same_as_repository import SameAsRepository
from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.entity_link_job import RESOLVER, EntityLinkJob
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.nlp.checksums import resident_id_check_char
from fraudgraph.nlp.entity_resolver import SameAsLink
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.rings.ring_detector import RingConfig, RingDetector
from fraudgraph.rings.ring_store import RingStore
from fraudgraph.settings import Settings
from fraudgraph.types import EntityKind
from tests.integration.ingest.ingest_fixtures import account, application, customer, write_jsonl

pytestmark = pytest.mark.integration

RING = range(10, 14)  # share one device within hours: a ring
HUB_IP = range(0, 9)  # share one IP on different days (a hub when the cap is 8)
ID_FIRST17 = "11010519900101123"
ID_NUMBER = ID_FIRST17 + resident_id_check_char(ID_FIRST17)


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor.load()


def _app(i: int) -> dict[str, object]:
    ring = i in RING
    day, hour = (2, 9 + i % 4) if ring else (3 + i, 10)
    return application(
        i, f"C{i:04d}",
        created_at=f"2026-03-{day:02d}T{hour:02d}:00:00+00:00",
        device_id="dev-ring" if ring else f"own-{i}",
        ip="10.0.0.99" if i in HUB_IP else f"10.9.{i}.1",
        id_number=ID_NUMBER.lower() if i == 7 else "",
        name="李伟" if i == 3 else f"张{i}",
    )  # fmt: skip


def _world(folder: Path) -> Path:
    folder.mkdir(parents=True)
    people = list(range(14))
    write_jsonl(folder / "customers.jsonl",
                [customer(i) | ({"name": "李伟"} if i == 3 else {}) for i in people])  # fmt: skip
    write_jsonl(folder / "applications.jsonl", [_app(i) for i in people])
    write_jsonl(folder / "accounts.jsonl", [account(i, f"C{i:04d}") for i in people])
    write_jsonl(folder / "transactions.jsonl", [])
    (folder / "manifest.json").write_text(json.dumps({"format": "fraudgraph-synth/1"}))
    return folder


@pytest.fixture
def inv(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path, extractor: EntityExtractor
) -> Investigation:
    db = neo4j_settings.neo4j_database
    init_schema(driver, db)
    folder = _world(tmp_path / "world")
    Loader(driver, db, state_dir=tmp_path / "state", extractor=extractor, free_text=False,
           progress=False).load(folder, synth_files(folder))  # fmt: skip
    RingDetector(RingConfig()).detect(driver, db)
    return Investigation(driver, neo4j_settings.model_copy(update={"var_dir": tmp_path}))


def test_find_by_phone_id_number_and_fuzzy_name(inv: Investigation) -> None:
    by_phone = inv.find_phone("+86 (139) 0012-0012")  # typed differently from the record
    assert [m.customer_id for m in by_phone] == ["C0012"]
    assert "+8613900120012" in by_phone[0].via
    assert [m.customer_id for m in inv.find_id_number(ID_NUMBER.lower())] == ["C0007"]
    assert [m.customer_id for m in inv.find("Wei Li")] == ["C0003"]  # 李伟, by romanisation
    assert inv.find_name("Zhou Xingchi") == []
    assert [m.customer_id for m in inv.find("13900120012")] == ["C0012"]


def test_neighbourhood_reaches_ring_mates_and_stops_at_hubs(inv: Investigation) -> None:
    sub = inv.neighbourhood("C0010", hops=4)
    ids = {n.id for n in sub.nodes}
    assert {f"Customer:C{i:04d}" for i in RING} <= ids  # through the shared device
    assert "Device:dev-ring" in ids
    assert "Customer:C0009" not in ids
    assert all(e.source in ids and e.target in ids for e in sub.edges)

    capped = inv.expander.expand([("Customer", "C0000")], ExpandLimits(hops=4, hub_cap=8))
    assert "IP:10.0.0.99" in capped.hubs
    assert "Customer:C0001" not in {n.id for n in capped.nodes}  # only reachable via the hub
    open_ = inv.expander.expand([("Customer", "C0000")], ExpandLimits(hops=4, hub_cap=30))
    assert "Customer:C0001" in {n.id for n in open_.nodes}

    small = inv.expander.expand([("Customer", "C0010")], ExpandLimits(hops=4, max_nodes=5))
    assert len(small.nodes) == 5
    assert small.truncated
    with pytest.raises(NotFoundError):
        inv.neighbourhood("C9999")


def test_drawings_hold_the_subgraph(inv: Investigation) -> None:
    drawing = inv.draw("C0010")
    page = drawing.interactive().page
    assert "Customer:C0013" in page
    assert "vis.Network" in page
    assert 'src="http' not in page
    assert 'href="http' not in page
    assert drawing.static().png.startswith(b"\x89PNG")


def test_explain_ranks_ring_and_shared_identifiers(inv: Investigation) -> None:
    ring_member = inv.explain("C0010")
    assert "RING_MEMBER" in {r.code for r in ring_member.reasons}
    assert ring_member.ring_id is not None
    top = ring_member.contributions[0]
    assert top.kind == "ring"
    assert top.delta > 0.3
    device = next(f for f in ring_member.identifiers if f.id == "Device:dev-ring")
    assert sorted(device.others) == ["C0011", "C0012", "C0013"]

    loner = inv.explain("C0009")
    assert [r.code for r in loner.reasons] == ["NO_SIGNAL"]
    assert all(c.delta == 0.0 for c in loner.contributions)
    assert loner.score < ring_member.score


def test_ring_review_lands_in_the_audit_trail(inv: Investigation, driver: Driver) -> None:
    queue = inv.rings.queue()
    ring_id = next(r["ring_id"] for r in queue if "dev-ring" in r["explanation_en"])
    case = inv.rings.open(ring_id)
    assert case.status == "OPEN"
    assert any(b["key"] == "dev-ring" for b in case.bindings)
    assert {"Customer:C0010", "Customer:C0013"} <= {m["key"] for m in case.members}
    assert case.timeline

    reviewed = inv.rings.review(ring_id, "ESCALATED", reviewer="ana", note="device farm?")
    assert reviewed.status == "ESCALATED"
    last = reviewed.events[-1]
    assert (last["reviewer"], last["from_status"], last["to_status"], last["note"]) == (
        "ana", "OPEN", "ESCALATED", "device farm?",
    )  # fmt: skip
    stored = RingStore(driver, inv.settings.neo4j_database).get(ring_id)
    assert stored["ring"]["status"] == "ESCALATED"  # the same store as the CLI and gRPC
    with pytest.raises(InvalidInputError):
        inv.rings.review(ring_id, "NOT_A_DECISION", reviewer="ana")
    assert "Ring:" + ring_id in {n.id for n in inv.rings.subgraph(ring_id).nodes}


def test_same_as_lists_the_customer_s_and_its_employer_s_links(
    inv: Investigation, driver: Driver, neo4j_settings: Settings
) -> None:
    db = neo4j_settings.neo4j_database
    group, china = "阿里巴巴集团", "阿里巴巴(中国)有限公司"
    driver.execute_query(
        "MATCH (c:Customer {customer_id: 'C0001'}) "
        "MERGE (c)-[:WORKS_AT]->(:Organization {key: $group}) "
        "MERGE (:Organization {key: $china})",
        group=group, china=china, database_=db,
    )  # fmt: skip
    repository = SameAsRepository(driver, db)
    EntityLinkJob(repository).run([EntityKind.ORGANIZATION])
    repository.write("Customer", [SameAsLink("C0001", "C0002", 0.99, ("id_number",), "exact")],
                     RESOLVER, "test", "run-1")  # fmt: skip
    rows = {(r["label"], r["key"], r["same_as"], r["method"]) for r in inv.same_as("C0001")}
    assert rows == {("Customer", "C0001", "C0002", "exact"),
                    ("Organization", group, china, "fuzzy")}  # fmt: skip
    assert inv.same_as("C0005") == []
    with pytest.raises(NotFoundError):
        inv.same_as("C9999")
