"""The service's integration tests share the in-process server fixtures of its unit tests,
and one small seeded graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from fraudgraph.graph.schema import init_schema
from fraudgraph.service.outbox_flusher import OutboxFlusher
from tests.integration.service.test_service_graph import DB, _engine, _txn
from tests.unit.service.conftest import extractor, runtime_and_channel

__all__ = ["extractor", "runtime_and_channel", "seeded_graph"]


@pytest.fixture
def seeded_graph(driver: Driver, tmp_path: Path) -> None:
    """Six scored transactions of three payer accounts (AC0-AC2) on one device, dev-hub,
    written by the outbox flusher; AC1 is a member of the open ring R-1 (score 0.9)."""
    init_schema(driver, DB)
    engine = _engine(tmp_path)
    for i in range(6):
        engine.decide(_txn(i, device="dev-hub"))
    OutboxFlusher(engine.outbox, driver, DB).drain()
    driver.execute_query(
        "MATCH (a:Account {account_id: 'AC1'}) "
        "CREATE (a)-[:MEMBER_OF]->(:Ring {ring_id: 'R-1', status: 'open', score: 0.9})",
        database_=DB,
    )
