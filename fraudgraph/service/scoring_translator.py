"""Translation between the scoring protos and the domain, with validation at the edge."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.errors import InvalidInputError
from fraudgraph.service.field_rules import FieldRules as F
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.types import Action, Application, Decision, Product, Transaction

_PRODUCTS = {pb.PRODUCT_LOAN: Product.LOAN, pb.PRODUCT_CARD: Product.CARD}
_ACTIONS = {Action.ALLOW: pb.ACTION_ALLOW, Action.REVIEW: pb.ACTION_REVIEW,
            Action.BLOCK: pb.ACTION_BLOCK}  # fmt: skip
_LANGUAGES = frozenset({"", "zh", "en"})
MEMO_MAX = 1000
TEXT_MAX = 2000
SHORT_MAX = 256


class ScoringTranslator:
    """Builds :class:`ScoringRequest` from protos and decision protos from the domain."""

    @staticmethod
    def transaction(request: pb.ScoreTransactionRequest) -> ScoringRequest:
        """Validate a transaction request; raise InvalidInputError naming the bad field."""
        rid = F.identifier(request.request_id, "request_id")
        if not request.HasField("transaction"):
            raise InvalidInputError("is required", field="transaction")
        t = request.transaction
        record = Transaction(
            transaction_id=F.identifier(t.transaction_id, "transaction.transaction_id"),
            payer_account=F.identifier(t.payer_account, "transaction.payer_account"),
            payee_account=F.identifier(t.payee_account, "transaction.payee_account"),
            amount=F.amount(t.amount, "transaction.amount"),
            currency=ScoringTranslator._currency(t.currency),
            timestamp=ScoringTranslator._moment(t, "timestamp", "transaction.timestamp"),
            channel=F.text(t.channel, "transaction.channel", max_len=64),
            device_id=F.text(t.device_id, "transaction.device_id", max_len=SHORT_MAX),
            ip=F.text(t.ip, "transaction.ip", max_len=64),
            memo=F.text(t.memo, "transaction.memo", max_len=MEMO_MAX),
        )
        return ScoringRequest(rid, record, ScoringTranslator._hash(request))

    @staticmethod
    def application(request: pb.ScoreApplicationRequest) -> ScoringRequest:
        """Validate an application request; raise InvalidInputError naming the bad field."""
        rid = F.identifier(request.request_id, "request_id")
        if not request.HasField("application"):
            raise InvalidInputError("is required", field="application")
        a = request.application
        if a.product not in _PRODUCTS:
            raise InvalidInputError(
                "must be PRODUCT_LOAN or PRODUCT_CARD", field="application.product"
            )
        record = Application(
            application_id=F.identifier(a.application_id, "application.application_id"),
            customer_id=F.identifier(a.customer_id, "application.customer_id"),
            product=_PRODUCTS[a.product],
            created_at=ScoringTranslator._moment(a, "created_at", "application.created_at"),
            name=F.text(a.name, "application.name", max_len=SHORT_MAX),
            id_number=F.text(a.id_number, "application.id_number", max_len=64),
            phone=F.text(a.phone, "application.phone", max_len=64),
            email=F.text(a.email, "application.email", max_len=SHORT_MAX),
            address=F.text(a.address, "application.address", max_len=SHORT_MAX),
            employer=F.text(a.employer, "application.employer", max_len=SHORT_MAX),
            income=F.amount(a.income, "application.income", allow_zero=True),
            amount=F.amount(a.amount, "application.amount"),
            device_id=F.text(a.device_id, "application.device_id", max_len=SHORT_MAX),
            ip=F.text(a.ip, "application.ip", max_len=64),
            channel=F.text(a.channel, "application.channel", max_len=64),
            language=F.choice(a.language, "application.language", _LANGUAGES) or "zh",
            purpose=F.text(a.purpose, "application.purpose", max_len=TEXT_MAX),
            employment=F.text(a.employment, "application.employment", max_len=TEXT_MAX),
            remarks=F.text(a.remarks, "application.remarks", max_len=TEXT_MAX),
        )
        return ScoringRequest(rid, record, ScoringTranslator._hash(request))

    @staticmethod
    def decision(decision: Decision, *, replayed: bool = False) -> pb.Decision:
        """The proto of a domain decision."""
        return pb.Decision(
            request_id=decision.request_id,
            score=decision.score,
            action=_ACTIONS[decision.action],
            reasons=[pb.Reason(code=r.code, en=r.en, zh=r.zh) for r in decision.reasons],
            ring_id=decision.ring_id or "",
            model_version=decision.model_version,
            server_latency_ms=decision.latency_ms,
            replayed=replayed,
        )

    @staticmethod
    def _currency(value: str) -> str:
        if not value:
            return "CNY"
        if len(value) != 3 or not value.isascii() or not value.isupper():
            raise InvalidInputError(
                "must be a three-letter ISO 4217 code", field="transaction.currency"
            )
        return value

    @staticmethod
    def _moment(message: pb.Transaction | pb.Application, name: str, field: str) -> datetime:
        if not message.HasField(name):
            return datetime.now(UTC)
        stamp: Timestamp = getattr(message, name)
        if not 0 <= stamp.nanos < 1_000_000_000:
            raise InvalidInputError("has invalid nanoseconds", field=field)
        try:
            moment = datetime.fromtimestamp(stamp.seconds + stamp.nanos / 1e9, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise InvalidInputError("is not a representable time", field=field) from exc
        return F.moment(moment, field)

    @staticmethod
    def _hash(request: pb.ScoreTransactionRequest | pb.ScoreApplicationRequest) -> str:
        return hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()
