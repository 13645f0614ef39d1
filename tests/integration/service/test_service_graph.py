"""The service against a real Neo4j: outbox flush exactly once, index loading, rings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from neo4j import Driver
from pydantic import SecretStr

from fraudgraph._proto.fraudgraph.v1 import rings_pb2
from fraudgraph.graph.schema import init_schema
from fraudgraph.service.decision_engine import DecisionEngine, DecisionPolicy
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.outbox_flusher import OutboxFlusher
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.risk_index_loader import RiskIndexLoader
from fraudgraph.service.scorer_holder import ScorerHolder
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.settings import Settings
from fraudgraph.types import Application, Product, Transaction
from tests.unit.service.conftest import auth, offline_settings

pytestmark = [pytest.mark.integration]
DB = "neo4j"
DECIDED = "MATCH (t:Transaction) WHERE t.decision_action IS NOT NULL RETURN count(t)"


def _engine(tmp_path: Path) -> DecisionEngine:
    index = RiskIndex(hub_cap=50)
    index.replace_all({})
    return DecisionEngine(IdentifierExtractor(), index, ScorerHolder(),
                          Outbox(tmp_path / "o.sqlite"), DecisionPolicy())  # fmt: skip


def _txn(i: int, device: str = "dev-shared") -> ScoringRequest:
    txn = Transaction(f"T{i}", f"AC{i % 3}", "AC-payee", 100.0 + i, "CNY",
                      datetime(2026, 1, 1, tzinfo=UTC), device_id=device,
                      memo=f"还款 1381234{i:04d}")  # fmt: skip
    return ScoringRequest(f"req-{i}", txn, f"hash-{i}")


def _app(i: int) -> ScoringRequest:
    app = Application(f"AP{i}", f"C{i}", Product.LOAN, datetime(2026, 1, 2, tzinfo=UTC), "张三",
                      "", "13900001111", "", "", "", 5000.0, 20000.0, "dev-shared", "10.1.2.3",
                      "app", remarks="朋友介绍")  # fmt: skip
    return ScoringRequest(f"app-req-{i}", app, f"app-hash-{i}")


def _count(driver: Driver, query: str) -> int:
    records, _, _ = driver.execute_query(query, database_=DB)
    return int(records[0][0])


def test_flush_writes_every_event_exactly_once(driver: Driver, tmp_path: Path) -> None:
    init_schema(driver, DB)
    engine = _engine(tmp_path)
    for i in range(20):
        engine.decide(_txn(i))
        engine.decide(_txn(i))  # a client retry: same id, same decision, no second event
    engine.decide(_app(1))
    flusher = OutboxFlusher(engine.outbox, driver, DB, batch_size=7)
    assert flusher.drain() == 21
    assert engine.outbox.depth() == 0

    def snapshot() -> tuple[int, ...]:
        return (
            _count(driver, "MATCH (t:Transaction) RETURN count(t)"),
            _count(driver, DECIDED),
            _count(driver, "MATCH (:Transaction)-[r:USED_DEVICE]->(:Device) RETURN count(r)"),
            _count(driver, "MATCH (:Transaction)-[r:MENTIONS]->(:Phone) RETURN count(r)"),
            _count(driver, "MATCH (:Application)-[r]->() RETURN count(r)"),
            _count(driver, "MATCH (n) RETURN count(n)"),
        )

    first = snapshot()
    assert first[:4] == (20, 20, 20, 20)
    assert first[4] >= 3  # phone, device, ip of the application
    # A crash after the graph commit but before the outbox noted it: everything is replayed.
    with sqlite3.connect(engine.outbox.path) as conn:
        conn.execute("UPDATE requests SET flushed_at = NULL")
    assert flusher.drain() == 21
    assert snapshot() == first


@pytest.mark.usefixtures("seeded_graph")
def test_index_loader_sees_shared_identifiers_and_rings(driver: Driver) -> None:
    index = RiskIndex(hub_cap=4)
    loader = RiskIndexLoader(driver, DB, index, hub_cap=4, interval_s=60)
    assert loader.load() >= 2
    found = index.lookup(["Device:dev-hub", "Account:AC1", "Account:AC2"])
    assert found["Device:dev-hub"].links == 3  # six uses, but by three payer accounts
    capped = RiskIndex(hub_cap=2)
    RiskIndexLoader(driver, DB, capped, hub_cap=2, interval_s=60).load()
    assert capped.lookup(["Device:dev-hub"])["Device:dev-hub"].links == 2
    assert found["Account:AC1"].ring_id == "R-1"
    assert "Account:AC2" not in found


@pytest.fixture
def ring_runtime(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> Iterator[ServiceRuntime]:
    settings = offline_settings(tmp_path, neo4j_uri=neo4j_settings.neo4j_uri,
                                neo4j_password=SecretStr(
                                    neo4j_settings.neo4j_password.get_secret_value()))  # fmt: skip
    rt = ServiceRuntime(RuntimeOptions.from_settings(settings), driver, IdentifierExtractor())
    rt.start()
    try:
        yield rt
    finally:
        rt.stop(0.5)


def _rpc(ch: grpc.Channel, method: str, response: Any) -> Any:
    return ch.unary_unary(
        f"/fraudgraph.v1.RingService/{method}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response.FromString,
    )


RINGS = """
UNWIND range(1, 5) AS i
CREATE (r:Ring {ring_id: 'R-' + i, status: 'open', score: i / 10.0,
                created_at: datetime('2026-01-01T00:00:00Z')})
WITH r, i
UNWIND range(1, 3) AS j
CREATE (c:Customer {customer_id: r.ring_id + '-C' + j})-[:MEMBER_OF]->(r)
MERGE (p:Phone {key: '+86139' + i})
CREATE (c)-[:HAS_PHONE]->(p)
"""


def test_rings_list_get_and_review(driver: Driver, ring_runtime: ServiceRuntime) -> None:
    driver.execute_query(RINGS, database_=DB)
    md = auth("review-token")
    with grpc.insecure_channel(f"127.0.0.1:{ring_runtime.port}") as ch:
        listing = _rpc(ch, "ListRings", rings_pb2.ListRingsResponse)
        get = _rpc(ch, "GetRing", rings_pb2.GetRingResponse)
        review = _rpc(ch, "ReviewRing", rings_pb2.ReviewRingResponse)
        page1 = listing(rings_pb2.ListRingsRequest(page_size=2, min_score=0.15), metadata=md)
        assert [r.ring_id for r in page1.rings] == ["R-5", "R-4"]
        ask2 = rings_pb2.ListRingsRequest(
            page_size=2, min_score=0.15, page_token=page1.next_page_token
        )
        page2 = listing(ask2, metadata=md)
        assert [r.ring_id for r in page2.rings] == ["R-3", "R-2"]
        assert page2.next_page_token == ""
        ring = get(rings_pb2.GetRingRequest(ring_id="R-4"), metadata=md)
        assert ring.ring.member_count == 3
        assert [(e.label, e.key, e.shared_by) for e in ring.evidence] == [("Phone", "+861394", 3)]
        verdict = rings_pb2.ReviewRingRequest(
            request_id="rev-1", ring_id="R-4", verdict=rings_pb2.VERDICT_CONFIRM, note="same phone"
        )
        first = review(verdict, metadata=md)
        again = review(verdict, metadata=md)
        assert first.ring.status == rings_pb2.RING_STATUS_CONFIRMED
        assert again.review_event_id == first.review_event_id
        not_allowed = rings_pb2.ReviewRingRequest(
            request_id="rev-2", ring_id="R-4", verdict=rings_pb2.VERDICT_DISMISS
        )
        with pytest.raises(grpc.RpcError) as err:
            review(not_allowed, metadata=md)  # CONFIRMED can only be reopened
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "CONFIRMED to DISMISSED" in (err.value.details() or "")
        with pytest.raises(grpc.RpcError) as err:
            get(rings_pb2.GetRingRequest(ring_id="R-404"), metadata=md)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        timeline = get(rings_pb2.GetRingRequest(ring_id="R-4"), metadata=md).timeline
    assert [e.kind for e in timeline] == ["DETECTED", "REVIEW"]
    assert timeline[1].description.startswith("REVIEW by token-")
    assert timeline[1].description.endswith(": OPEN -> CONFIRMED (same phone)")
    assert _count(driver, "MATCH (e:ReviewEvent)-[:ABOUT]->(:Ring) RETURN count(e)") == 1
    assert _count(driver, "MATCH (r:Ring) WHERE r.status = 'open' RETURN count(r)") == 4
