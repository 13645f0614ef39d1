"""The console's Neo4j ring desk: the edges of identity and money-flow rings, and reviews."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from neo4j import Driver

from fraudgraph.console.console_app import ConsoleApp
from fraudgraph.console.console_auth import ConsoleAuth
from fraudgraph.console.neo4j_ring_desk import Neo4jRingDesk
from fraudgraph.errors import NotFoundError
from fraudgraph.rings.ring_candidate import Binding, RingCandidate
from fraudgraph.rings.ring_scorer import ScoredRing
from fraudgraph.rings.ring_store import RingStore
from fraudgraph.service.token_authority import TokenAuthority
from fraudgraph.settings import Settings
from tests.integration.console.console_world import load_world
from tests.integration.ingest.ingest_fixtures import transaction

pytestmark = pytest.mark.integration

FAN_IN = [f"Account:AC{i:05d}" for i in range(6)]  # AC00001..5 pay the hub AC00000
IDENTITY = ["Customer:C0006", "Customer:C0007", "Application:A00006", "Application:A00007"]


@pytest.fixture
def desk(driver: Driver, neo4j_settings: Settings, tmp_path: Path) -> Neo4jRingDesk:
    db = neo4j_settings.neo4j_database
    transfers = [transaction(i, f"AC{i:05d}", "AC00000") for i in range(1, 6)]
    transfers.append(transaction(9, "AC00001", "AC00002"))
    shared = {6: ("dev-x", "13900000006"), 7: ("dev-x", "13900000007")}
    load_world(driver, db, tmp_path / "world", 8, shared, transfers)
    flow = RingCandidate("fan_in", frozenset([*FAN_IN, "Customer:C0001"]),
                         (Binding("Account", "AC00000", 6),))  # fmt: skip
    ident = RingCandidate("device_burst", frozenset(IDENTITY), (Binding("Device", "dev-x", 2),))
    RingStore(driver, db).save(
        [("RING-FLOW", ScoredRing(flow, 0.8, {"Account:AC00001": 0.7}), "REVIEW"),
         ("RING-ID", ScoredRing(ident, 0.6, {}), "REVIEW")],
        [],
    )  # fmt: skip
    return Neo4jRingDesk(driver, db)


def test_a_fan_in_is_drawn_with_its_hub_payers_and_owners(desk: Neo4jRingDesk) -> None:
    binding, members = desk.edges("RING-FLOW")
    assert sorted(binding) == [("Account", "AC00000", m) for m in FAN_IN[1:]]
    assert ("Customer:C0001", "Account:AC00001", "RECORD") in members
    assert ("Account:AC00001", "Account:AC00002", "TRANSFER") in members
    assert ("Account:AC00003", "Account:AC00000", "TRANSFER") in members
    assert all(src in {*FAN_IN, "Customer:C0001"} for src, _, _ in members)


def test_an_identity_ring_is_drawn_with_the_device_its_applications_share(
    desk: Neo4jRingDesk,
) -> None:
    binding, members = desk.edges("RING-ID")
    assert sorted(binding) == [
        ("Device", "dev-x", "Application:A00006"),
        ("Device", "dev-x", "Application:A00007"),
    ]
    assert sorted(members) == [
        ("Customer:C0006", "Application:A00006", "RECORD"),
        ("Customer:C0007", "Application:A00007", "RECORD"),
    ]
    assert desk.edges("RING-NONE") == ([], [])
    with pytest.raises(NotFoundError):
        desk.get("RING-NONE")


def test_a_console_decision_lands_in_the_rings_audit_trail(
    desk: Neo4jRingDesk, driver: Driver, neo4j_settings: Settings
) -> None:
    token = "t0ken"
    auth = ConsoleAuth(TokenAuthority({TokenAuthority.digest(token): "carol: review"}))
    app = ConsoleApp(desk, auth)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://c.test") as http:
        http.post("/login", data={"token": token})
        page = http.get("/rings/RING-FLOW")
        assert page.status_code == 200
        svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
        assert svg.count("<circle") == len(FAN_IN) + 1  # the hub is a member, drawn as one
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        form = {"decision": "escalate", "note": "mule hub", "csrf": csrf}
        done = http.post("/rings/RING-FLOW/review", data=form)
        assert done.status_code == 303
    stored = RingStore(driver, neo4j_settings.neo4j_database).get("RING-FLOW")
    assert stored["ring"]["status"] == "ESCALATED"
    review = [e for e in stored["events"] if e["action"] == "REVIEW"]
    assert [(e["reviewer"], e["to_status"], e["note"]) for e in review] == [
        ("carol", "ESCALATED", "mule hub")
    ]
