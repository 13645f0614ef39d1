"""Thousands of malformed and hostile requests: never INTERNAL, never a crash."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.service.service_runtime import ServiceRuntime
from tests.unit.service.conftest import auth

pytestmark = [pytest.mark.slow]

ACCEPTABLE = {grpc.StatusCode.OK, grpc.StatusCode.INVALID_ARGUMENT}
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(min_size=900, max_size=3000),
    st.sampled_from([
        "MATCH (n) DETACH DELETE n", "'}) RETURN 1 //", "$param", "\u202e\u0000\ufeff",
        "13812345678; DROP TABLE requests", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🃏", "\ud800", "\x7f\x1b[2J",
    ]),
    st.just("x" * 100_000),
)  # fmt: skip
NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([-1.0, 0.0, 1e300])


def _outcome(call: Callable[[], Any]) -> tuple[Any, grpc.StatusCode]:
    """The response and OK, or None and the status code of the failed call."""
    try:
        return call(), grpc.StatusCode.OK
    except grpc.RpcError as exc:
        return None, exc.code()


def _text(value: str) -> str:
    """What a client can put on the wire: lone surrogates cannot be encoded as UTF-8."""
    return value.encode("utf-8", "replace").decode("utf-8")


@st.composite
def transactions(draw: st.DrawFn) -> pb.ScoreTransactionRequest:
    txn = pb.Transaction(
        transaction_id=_text(draw(HOSTILE_TEXT)),
        payer_account=_text(draw(st.sampled_from(["a1", ""]) | HOSTILE_TEXT)),
        payee_account=_text(draw(st.sampled_from(["a2"]) | HOSTILE_TEXT)),
        amount=draw(NUMBERS),
        currency=_text(draw(st.sampled_from(["", "CNY", "usd"]) | HOSTILE_TEXT)),
        device_id=_text(draw(HOSTILE_TEXT)),
        ip=_text(draw(HOSTILE_TEXT)),
        memo=_text(draw(HOSTILE_TEXT)),
    )
    if draw(st.booleans()):
        txn.timestamp.seconds = draw(st.integers(-(2**62), 2**62))
        txn.timestamp.nanos = draw(st.integers(-(2**31), 2**31 - 1))
    rid = _text(draw(st.sampled_from(["", "r-1"]) | st.text(max_size=200)))
    if draw(st.booleans()):
        return pb.ScoreTransactionRequest(request_id=rid)
    return pb.ScoreTransactionRequest(request_id=rid, transaction=txn)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(request=transactions())
def test_hostile_transactions(runtime_and_channel: tuple[ServiceRuntime, grpc.Channel],
                              request: pb.ScoreTransactionRequest) -> None:  # fmt: skip
    _, channel = runtime_and_channel
    call = channel.unary_unary(
        "/fraudgraph.v1.ScoringService/ScoreTransaction",
        request_serializer=pb.ScoreTransactionRequest.SerializeToString,
        response_deserializer=pb.ScoreTransactionResponse.FromString,
    )
    response, code = _outcome(lambda: call(request, metadata=auth("score-token"), timeout=10))
    assert code in ACCEPTABLE
    if response is not None:
        assert 0.0 <= response.decision.score <= 1.0


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=300))
def test_random_bytes(
    runtime_and_channel: tuple[ServiceRuntime, grpc.Channel], data: bytes
) -> None:
    _, channel = runtime_and_channel
    for method in ("ScoreTransaction", "ScoreApplication"):
        raw = channel.unary_unary(f"/fraudgraph.v1.ScoringService/{method}")
        _, code = _outcome(partial(raw, data, metadata=auth("score-token"), timeout=10))
        assert code in ACCEPTABLE
