"""ScoringService: translates protos to the decision engine's domain and back, nothing more."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import grpc

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.errors import InvalidInputError
from fraudgraph.service.call_context import CallContext, ServiceError
from fraudgraph.service.decision_engine import DecisionEngine
from fraudgraph.service.error_interceptor import ErrorInterceptor
from fraudgraph.service.malformed_message import MalformedMessage
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.service.scoring_translator import ScoringTranslator


class ScoringServicer:
    """The three RPCs of ``fraudgraph.v1.ScoringService``."""

    def __init__(self, engine: DecisionEngine) -> None:
        self._engine = engine

    def ScoreTransaction(  # noqa: N802  gRPC method names are CamelCase
        self, request: pb.ScoreTransactionRequest | MalformedMessage, context: grpc.ServicerContext
    ) -> pb.ScoreTransactionResponse:
        """Score one transaction."""
        parsed = ScoringTranslator.transaction(MalformedMessage.check(request))
        return pb.ScoreTransactionResponse(decision=self._decide(parsed))

    def ScoreApplication(  # noqa: N802
        self, request: pb.ScoreApplicationRequest | MalformedMessage, context: grpc.ServicerContext
    ) -> pb.ScoreApplicationResponse:
        """Score one application."""
        parsed = ScoringTranslator.application(MalformedMessage.check(request))
        return pb.ScoreApplicationResponse(decision=self._decide(parsed))

    def ScoreStream(  # noqa: N802
        self,
        requests: Iterable[pb.ScoreStreamRequest | MalformedMessage],
        context: grpc.ServicerContext,
    ) -> Iterator[pb.ScoreStreamResponse]:
        """Score each request of the stream; a bad request gets an error, the stream goes on."""
        for item in requests:
            yield self._stream_one(item)

    def _stream_one(self, item: pb.ScoreStreamRequest | MalformedMessage) -> pb.ScoreStreamResponse:
        request_id = ""
        try:
            message = MalformedMessage.check(item)
            which = message.WhichOneof("request")
            if which == "transaction":
                request_id = message.transaction.request_id
                parsed = ScoringTranslator.transaction(message.transaction)
            elif which == "application":
                request_id = message.application.request_id
                parsed = ScoringTranslator.application(message.application)
            else:
                raise InvalidInputError("one of transaction or application is required",
                                        field="request")  # fmt: skip
            return pb.ScoreStreamResponse(request_id=request_id, decision=self._decide(parsed))
        except (InvalidInputError, ServiceError) as exc:
            code, text = ErrorInterceptor.status_of(exc)
            field = exc.field or "" if isinstance(exc, InvalidInputError) else ""
            error = pb.StreamError(code=code.value[0], message=text, field=field)
            return pb.ScoreStreamResponse(request_id=request_id[:128], error=error)

    def _decide(self, request: ScoringRequest) -> pb.Decision:
        CallContext.check_deadline()
        outcome = self._engine.decide(request)
        return ScoringTranslator.decision(outcome.decision, replayed=outcome.replayed)
