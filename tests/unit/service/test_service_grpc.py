"""The gRPC surface in-process: auth, scopes, validation, streams, deadlines, health, reflection."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from fraudgraph._proto.fraudgraph.v1 import rings_pb2
from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.service.service_runtime import ServiceRuntime
from tests.unit.service.conftest import RING_ACCOUNT, SHARED_PHONE, auth

SCORE_TXN = "/fraudgraph.v1.ScoringService/ScoreTransaction"


def unary(channel: grpc.Channel, method: str, response: Any) -> Any:
    return channel.unary_unary(method, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response.FromString)  # fmt: skip


def txn(rid: str, **kw: object) -> pb.ScoreTransactionRequest:
    fields: dict[str, object] = {"transaction_id": f"t-{rid}", "payer_account": "a1",
                                 "payee_account": "a2", "amount": 50.0}  # fmt: skip
    fields.update(kw)
    return pb.ScoreTransactionRequest(request_id=rid, transaction=pb.Transaction(**fields))


def test_scores_and_replays(channel: grpc.Channel, runtime: ServiceRuntime) -> None:
    call = unary(channel, SCORE_TXN, pb.ScoreTransactionResponse)
    ring = call(txn("r1", payee_account=RING_ACCOUNT), metadata=auth("score-token"), timeout=5)
    assert ring.decision.action == pb.ACTION_BLOCK
    assert ring.decision.ring_id == "ring-7"
    assert ring.decision.model_version == "rules-1"
    assert ring.decision.server_latency_ms > 0
    shared = call(
        txn("r2", memo=f"转给 {SHARED_PHONE[3:]}"), metadata=auth("score-token"), timeout=5
    )
    assert "SHARED_IDENTIFIER" in [r.code for r in shared.decision.reasons]
    again = call(txn("r1", payee_account=RING_ACCOUNT), metadata=auth("admin-token"), timeout=5)
    assert again.decision.replayed
    assert again.decision.score == ring.decision.score
    assert runtime.outbox.depth() == 2


@pytest.mark.parametrize(
    ("metadata", "code"),
    [
        ([], grpc.StatusCode.UNAUTHENTICATED),
        (auth("wrong"), grpc.StatusCode.UNAUTHENTICATED),
        ([("authorization", "Basic score-token")], grpc.StatusCode.UNAUTHENTICATED),
        (auth("review-token"), grpc.StatusCode.PERMISSION_DENIED),
    ],
)
def test_scoring_needs_the_score_scope(
    channel: grpc.Channel, metadata: list[tuple[str, str]], code: grpc.StatusCode
) -> None:
    with pytest.raises(grpc.RpcError) as err:
        unary(channel, SCORE_TXN, pb.ScoreTransactionResponse)(txn("r"), metadata=metadata,
                                                                 timeout=5)  # fmt: skip
    assert err.value.code() == code


def test_review_needs_the_review_scope(channel: grpc.Channel) -> None:
    call = unary(channel, "/fraudgraph.v1.RingService/ReviewRing", rings_pb2.ReviewRingResponse)
    request = rings_pb2.ReviewRingRequest(request_id="q", ring_id="ring-7",
                                          verdict=rings_pb2.VERDICT_CONFIRM)  # fmt: skip
    with pytest.raises(grpc.RpcError) as err:
        call(request, metadata=auth("score-token"), timeout=5)
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    bad = rings_pb2.ReviewRingRequest(request_id="q", ring_id="ring-7")
    with pytest.raises(grpc.RpcError) as err:
        call(bad, metadata=auth("review-token"), timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "verdict" in (err.value.details() or "")
    with pytest.raises(grpc.RpcError) as err:  # valid, but Neo4j is down in this fixture
        call(request, metadata=auth("review-token"), timeout=10)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_invalid_and_malformed_requests(channel: grpc.Channel) -> None:
    call = unary(channel, SCORE_TXN, pb.ScoreTransactionResponse)
    with pytest.raises(grpc.RpcError) as err:
        call(txn("r", amount=-1.0), metadata=auth("score-token"), timeout=5)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == "transaction.amount: must be positive"
    raw = channel.unary_unary(SCORE_TXN)
    with pytest.raises(grpc.RpcError) as err:
        raw(b"\x0a\x03\xff\xfe\xfd", metadata=auth("score-token"), timeout=5)  # invalid UTF-8
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_stream_answers_each_request_and_survives_bad_ones(channel: grpc.Channel) -> None:
    stream = channel.stream_stream(
        "/fraudgraph.v1.ScoringService/ScoreStream",
        request_serializer=pb.ScoreStreamRequest.SerializeToString,
        response_deserializer=pb.ScoreStreamResponse.FromString,
    )
    requests = [
        pb.ScoreStreamRequest(transaction=txn("s1")),
        pb.ScoreStreamRequest(transaction=txn("s2", amount=0.0)),
        pb.ScoreStreamRequest(),
        pb.ScoreStreamRequest(application=pb.ScoreApplicationRequest(
            request_id="s3", application=pb.Application(
                application_id="ap1", customer_id="c1", product=pb.PRODUCT_LOAN, amount=900.0,
                phone=SHARED_PHONE[3:]))),
    ]  # fmt: skip
    answers = list(stream(iter(requests), metadata=auth("score-token"), timeout=10))
    assert [a.request_id for a in answers] == ["s1", "s2", "", "s3"]
    assert [a.WhichOneof("result") for a in answers] == ["decision", "error", "error", "decision"]
    assert answers[1].error.field == "transaction.amount"
    assert answers[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "SHARED_IDENTIFIER" in [r.code for r in answers[3].decision.reasons]


def test_deadline_is_honoured(
    channel: grpc.Channel, runtime: ServiceRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A handler slower than the caller's deadline (here: extraction held up for 1 s). A
    # deadline of a microsecond is not enough to test this: on a fast machine an in-process
    # answer can come back before gRPC's deadline timer runs.
    extractor = runtime.engine.extractor
    inner = extractor.extract_many

    def slow(texts: Any) -> Any:
        time.sleep(1.0)
        return inner(texts)

    monkeypatch.setattr(extractor, "extract_many", slow)
    call = unary(channel, SCORE_TXN, pb.ScoreTransactionResponse)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as err:
        call(txn("late"), metadata=auth("score-token"), timeout=0.2)
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 0.8  # answered at the deadline, not after the handler
    time.sleep(max(0.0, started + 1.2 - time.monotonic()))  # let the handler end before teardown


def test_health_and_reflection_are_public(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    scoring = health.Check(health_pb2.HealthCheckRequest(service="fraudgraph.v1.ScoringService"))
    assert scoring.status == health_pb2.HealthCheckResponse.SERVING
    rings = health.Check(health_pb2.HealthCheckRequest(service="fraudgraph.v1.RingService"))
    assert rings.status == health_pb2.HealthCheckResponse.NOT_SERVING  # no Neo4j here
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for r in responses for s in r.list_services_response.service}
    assert {"fraudgraph.v1.ScoringService", "fraudgraph.v1.RingService"} <= names


def test_metrics_count_decisions_and_latency(
    channel: grpc.Channel, runtime: ServiceRuntime
) -> None:
    call = unary(channel, SCORE_TXN, pb.ScoreTransactionResponse)
    call(txn("m1"), metadata=auth("score-token"), timeout=5)
    with pytest.raises(grpc.RpcError):
        call(txn("m2", amount=-1.0), metadata=auth("score-token"), timeout=5)
    reg = runtime.metrics.registry
    assert reg.get_sample_value("fraudgraph_decisions_total",
                                {"action": "ALLOW", "model_version": "rules-1"}) == 1.0  # fmt: skip
    count = "fraudgraph_rpc_latency_seconds_count"
    ok = reg.get_sample_value(count, {"method": "ScoreTransaction", "code": "OK"})
    bad = reg.get_sample_value(count, {"method": "ScoreTransaction", "code": "INVALID_ARGUMENT"})
    assert (ok, bad) == (1.0, 1.0)
    assert reg.get_sample_value("fraudgraph_outbox_depth") == 1.0
