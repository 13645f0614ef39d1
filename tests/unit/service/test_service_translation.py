"""Validation at the edge: every bad field is named; good requests round-trip."""

from __future__ import annotations

import math

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.errors import InvalidInputError
from fraudgraph.service.scoring_translator import ScoringTranslator
from fraudgraph.types import Product, Transaction


def good_txn(**kw: object) -> pb.ScoreTransactionRequest:
    fields: dict[str, object] = {"transaction_id": "t1", "payer_account": "a1",
                                 "payee_account": "a2", "amount": 10.0}  # fmt: skip
    fields.update(kw)
    return pb.ScoreTransactionRequest(request_id="r1", transaction=pb.Transaction(**fields))


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (pb.ScoreTransactionRequest(transaction=pb.Transaction()), "request_id"),
        (pb.ScoreTransactionRequest(request_id="r1"), "transaction"),
        (good_txn(amount=-5.0), "transaction.amount"),
        (good_txn(amount=math.nan), "transaction.amount"),
        (good_txn(amount=math.inf), "transaction.amount"),
        (good_txn(payer_account=""), "transaction.payer_account"),
        (good_txn(payee_account="a b"), "transaction.payee_account"),
        (good_txn(transaction_id="x" * 500), "transaction.transaction_id"),
        (good_txn(memo="m" * 5000), "transaction.memo"),
        (good_txn(memo="bad\x00nul"), "transaction.memo"),
        (good_txn(currency="yuan"), "transaction.currency"),
        (good_txn(timestamp=Timestamp(seconds=-(10**11))), "transaction.timestamp"),
        (good_txn(timestamp=Timestamp(seconds=10**11)), "transaction.timestamp"),
    ],
)
def test_bad_transaction_fields_are_named(request_: pb.ScoreTransactionRequest, field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        ScoringTranslator.transaction(request_)
    assert err.value.field == field


def test_good_transaction_and_hash_tracks_payload() -> None:
    parsed = ScoringTranslator.transaction(good_txn(memo="房租 MATCH (n) DETACH DELETE n"))
    assert isinstance(parsed.record, Transaction)
    assert parsed.record.currency == "CNY"
    assert parsed.record.memo.startswith("房租")
    other = ScoringTranslator.transaction(good_txn(amount=11.0))
    assert parsed.payload_hash != other.payload_hash
    assert parsed.payload_hash == ScoringTranslator.transaction(
        good_txn(memo="房租 MATCH (n) DETACH DELETE n")).payload_hash  # fmt: skip


def test_application_needs_a_product_and_valid_income() -> None:
    app = pb.Application(application_id="ap1", customer_id="c1", amount=1000.0,
                         product=pb.PRODUCT_UNSPECIFIED)  # fmt: skip
    with pytest.raises(InvalidInputError) as err:
        ScoringTranslator.application(pb.ScoreApplicationRequest(request_id="r", application=app))
    assert err.value.field == "application.product"
    app.product = pb.PRODUCT_CARD
    app.income = -1.0
    with pytest.raises(InvalidInputError) as err:
        ScoringTranslator.application(pb.ScoreApplicationRequest(request_id="r", application=app))
    assert err.value.field == "application.income"
    app.income = 0.0
    parsed = ScoringTranslator.application(
        pb.ScoreApplicationRequest(request_id="r", application=app)
    )
    assert parsed.record.product is Product.CARD  # type: ignore[union-attr]
