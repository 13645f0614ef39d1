"""Faults: Neo4j going away under load, and the server restarting mid-stream."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from neo4j import Driver
from pydantic import SecretStr

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.graph.schema import init_schema
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.settings import Settings
from tests.conftest import local_settings
from tests.supervised_service import listening_port
from tests.unit.service.conftest import auth, offline_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DEADLINE_S = 2.0


def _request(n: int, prefix: str) -> pb.ScoreTransactionRequest:
    txn = pb.Transaction(transaction_id=f"{prefix}-T{n}", payer_account=f"AC{n % 7}",
                         payee_account=f"AC{n % 5 + 10}", amount=10.0 + n,
                         device_id=f"dev-{n % 3}", memo=f"转 1390000{n:04d}")  # fmt: skip
    txn.timestamp.seconds = 1_767_225_600 + n
    return pb.ScoreTransactionRequest(request_id=f"{prefix}-{n}", transaction=txn)


def _unary(channel: grpc.Channel) -> grpc.UnaryUnaryMultiCallable:  # type: ignore[type-arg]
    return channel.unary_unary(
        "/fraudgraph.v1.ScoringService/ScoreTransaction",
        request_serializer=pb.ScoreTransactionRequest.SerializeToString,
        response_deserializer=pb.ScoreTransactionResponse.FromString,
    )


def _graph_counts(driver: Driver, prefix: str) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (t:Transaction) WHERE t.transaction_id STARTS WITH $p "
        "RETURN count(t) AS n, count(DISTINCT t.decision_request_id) AS ids",
        p=prefix + "-",
        database_="neo4j",
    )
    return int(records[0]["n"]), int(records[0]["ids"])


def _wait(predicate: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def private_neo4j(tmp_path: Path) -> Iterator[tuple[LocalNeo4j, Settings]]:
    settings = local_settings(tmp_path / "neo4j")
    server = LocalNeo4j(settings)
    server.start()
    try:
        yield server, settings
    finally:
        server.stop(timeout_s=30)


def test_neo4j_outage_under_load(
    private_neo4j: tuple[LocalNeo4j, Settings], tmp_path: Path
) -> None:
    server, neo = private_neo4j
    settings = offline_settings(
        tmp_path / "svc", neo4j_uri=neo.neo4j_uri, neo4j_password=neo.neo4j_password,
        service_outbox_flush_s=0.2, service_index_refresh_s=1.0,
        # paced flushes of several batches: still every event exactly once across the outage
        service_outbox_batch=50, service_outbox_min_flush_s=0.3,
    )  # fmt: skip
    driver = create_driver(settings)
    init_schema(driver, settings.neo4j_database)
    runtime = ServiceRuntime(RuntimeOptions.from_settings(settings), driver, IdentifierExtractor())
    runtime.start()
    assert runtime.index.ready
    slowest: list[float] = []
    codes: list[grpc.StatusCode] = []

    def send(n: int) -> None:
        started = time.monotonic()
        try:
            _unary(channel)(_request(n, "out"), metadata=auth("score-token"), timeout=DEADLINE_S)
            codes.append(grpc.StatusCode.OK)
        except grpc.RpcError as exc:
            codes.append(exc.code())
        slowest.append(time.monotonic() - started)

    try:
        with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(send, range(60)))
            server.stop(timeout_s=60)  # Neo4j goes away while requests keep coming
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(send, range(60, 180)))
            assert runtime.outbox.depth() > 0
            server.start()
            assert _wait(lambda: runtime.outbox.depth() == 0, 180), "outbox never drained"
    finally:
        runtime.stop(1.0)
    assert set(codes) == {grpc.StatusCode.OK}
    assert max(slowest) < DEADLINE_S + 0.5  # nobody waited past the deadline
    assert _graph_counts(driver, "out") == (180, 180)  # every accepted event, exactly once
    driver.close()


def test_restart_mid_stream_then_retry_gives_no_duplicates(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    settings = offline_settings(
        tmp_path, neo4j_uri=neo4j_settings.neo4j_uri,
        neo4j_password=SecretStr(neo4j_settings.neo4j_password.get_secret_value()),
        service_outbox_flush_s=0.2,
    )  # fmt: skip
    options = RuntimeOptions.from_settings(settings)
    answered: dict[str, pb.Decision] = {}
    requests = [_request(n, "rs") for n in range(100)]
    # The first server is a real process killed mid-stream (a crash, not a shutdown): stopping
    # an in-process gRPC server under its own client once left that client waiting for ever.
    first = _serve_process(settings)
    try:
        port = listening_port(first)

        def feed() -> Iterator[pb.ScoreStreamRequest]:
            for i, req in enumerate(requests):
                if i == 40:  # kill once some answers are back: they must replay after it
                    _wait(lambda: len(answered) >= 20, 10)
                    first.kill()
                    first.wait()
                yield pb.ScoreStreamRequest(transaction=req)

        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            stream = ch.stream_stream(
                "/fraudgraph.v1.ScoringService/ScoreStream",
                request_serializer=pb.ScoreStreamRequest.SerializeToString,
                response_deserializer=pb.ScoreStreamResponse.FromString,
            )
            broken = False
            try:
                for answer in stream(feed(), metadata=auth("score-token"), timeout=30):
                    answered[answer.request_id] = answer.decision
            except grpc.RpcError:
                broken = True
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert broken
    assert 0 < len(answered) < 100

    second = ServiceRuntime(options, driver, IdentifierExtractor())  # same outbox file
    second.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{second.port}") as ch:
            call = _unary(ch)
            retried = [call(r, metadata=auth("score-token"), timeout=5).decision for r in requests]
        replayed = {d.request_id for d in retried if d.replayed}
        assert set(answered) <= replayed  # ids answered before the restart got the same answer
        for d in retried:
            if d.request_id in answered:
                assert d.score == answered[d.request_id].score
        assert second.outbox.depth() <= 100
        assert _wait(lambda: second.outbox.depth() == 0, 60)
    finally:
        second.stop(1.0)
    assert _graph_counts(driver, "rs") == (100, 100)


def _serve_process(settings: Settings) -> subprocess.Popen[str]:
    """``fraudgraph serve`` (one process, identifiers only) on ``settings``'s graph and var dir."""
    env = {
        **os.environ,
        "FRAUDGRAPH_NEO4J_URI": settings.neo4j_uri,
        "FRAUDGRAPH_NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "FRAUDGRAPH_VAR_DIR": str(settings.var_dir),
        "FRAUDGRAPH_SERVICE_OUTBOX_FLUSH_S": str(settings.service_outbox_flush_s),
        "FRAUDGRAPH_SERVICE_INDEX_REFRESH_S": str(settings.service_index_refresh_s),
        "FRAUDGRAPH_SERVICE_MODEL_POLL_S": "0",
        "FRAUDGRAPH_SERVICE_TOKEN_DIGESTS": json.dumps(settings.service_token_digests),
    }
    fraudgraph = str(Path(sys.executable).with_name("fraudgraph"))
    command = [fraudgraph, "serve", "--port", "0", "--processes", "1", "--identifiers-only"]
    return subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
