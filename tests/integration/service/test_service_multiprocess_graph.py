"""Two server processes with their risk indexes loaded from a real Neo4j."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from neo4j import Driver
from pydantic import SecretStr

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.service_runtime import RuntimeOptions
from fraudgraph.service.service_supervisor import ServiceSupervisor
from fraudgraph.service.service_worker import WorkerSpec
from fraudgraph.settings import Settings
from tests.integration.service.test_service_graph import _count
from tests.supervised_service import supervised
from tests.unit.service.conftest import auth, offline_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CONNECTIONS = 16
NEW_TXNS = "MATCH (t:Transaction) WHERE t.transaction_id STARTS WITH 'mp-' RETURN count(t)"


@pytest.fixture
def supervisor(
    seeded_graph: None, neo4j_settings: Settings, tmp_path: Path
) -> Iterator[ServiceSupervisor]:
    password = SecretStr(neo4j_settings.neo4j_password.get_secret_value())
    settings = offline_settings(tmp_path / "svc", neo4j_uri=neo4j_settings.neo4j_uri,
                                neo4j_password=password, service_outbox_flush_s=0.2)  # fmt: skip
    spec = WorkerSpec(settings, RuntimeOptions.from_settings(settings), sample_pools=True,
                      json_logs=False)  # fmt: skip
    with supervised(spec) as sup:
        yield sup


def _score(channel: grpc.Channel, i: int) -> pb.Decision:
    call = channel.unary_unary(
        "/fraudgraph.v1.ScoringService/ScoreTransaction",
        request_serializer=pb.ScoreTransactionRequest.SerializeToString,
        response_deserializer=pb.ScoreTransactionResponse.FromString,
    )
    txn = pb.Transaction(transaction_id=f"mp-{i}", payer_account="AC1", payee_account="AC9",
                         amount=80.0, device_id="dev-hub")  # fmt: skip
    request = pb.ScoreTransactionRequest(request_id=f"mp-req-{i}", transaction=txn)
    decision: pb.Decision = call(request, metadata=tuple(auth("score-token")), timeout=10).decision
    return decision


def test_each_process_loads_the_graph_and_one_flusher_writes_it_back(
    driver: Driver, supervisor: ServiceSupervisor
) -> None:
    ready = supervisor.ready
    assert len(ready) == 2
    for report in ready:  # each process loaded the ring and the shared device itself
        assert report.index_entries >= 2
        assert "AC1" in report.account_pool
        assert "dev-hub" in report.device_pool
    options = [("grpc.use_local_subchannel_pool", 1)]
    target = f"127.0.0.1:{supervisor.port}"
    channels = [grpc.insecure_channel(target, options=options) for _ in range(CONNECTIONS)]
    try:
        decisions = [_score(ch, i) for i, ch in enumerate(channels)]
        decisions += [_score(ch, i) for i, ch in enumerate(channels)]  # retries, anywhere
    finally:
        for ch in channels:
            ch.close()
    assert {d.ring_id for d in decisions} == {"R-1"}
    assert [d.replayed for d in decisions] == [False] * CONNECTIONS + [True] * CONNECTIONS
    first, again = decisions[:CONNECTIONS], decisions[CONNECTIONS:]
    assert [_verdict(d) for d in again] == [_verdict(d) for d in first]
    box = Outbox(Path(supervisor.spec.options.outbox_path))
    try:
        deadline = time.monotonic() + 60
        while box.depth() and time.monotonic() < deadline:  # the flusher process drains it
            time.sleep(0.2)
        assert box.depth() == 0
    finally:
        box.close()
    assert _count(driver, NEW_TXNS) == CONNECTIONS  # each event written once


def _verdict(decision: pb.Decision) -> tuple[object, ...]:
    return decision.action, decision.score, decision.ring_id, decision.model_version
