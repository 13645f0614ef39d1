"""A small Python client of ``ScoringService``: what ``fraudgraph score`` and the demo use."""

from __future__ import annotations

from types import TracebackType

import grpc

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb

_PREFIX = "/fraudgraph.v1.ScoringService/"


class ScoringClient:
    """A channel to the service with the bearer token on every call (TLS when ``ca`` is given)."""

    def __init__(self, target: str, token: str = "", ca: bytes | None = None) -> None:
        if ca is None:
            self._channel = grpc.insecure_channel(target)
        else:
            self._channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(ca))
        self._metadata: tuple[tuple[str, str | bytes], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        )
        self._transaction = self._channel.unary_unary(
            _PREFIX + "ScoreTransaction",
            request_serializer=pb.ScoreTransactionRequest.SerializeToString,
            response_deserializer=pb.ScoreTransactionResponse.FromString,
        )
        self._application = self._channel.unary_unary(
            _PREFIX + "ScoreApplication",
            request_serializer=pb.ScoreApplicationRequest.SerializeToString,
            response_deserializer=pb.ScoreApplicationResponse.FromString,
        )

    def __enter__(self) -> ScoringClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def score_transaction(
        self, request_id: str, transaction: pb.Transaction, timeout_s: float = 2.0
    ) -> pb.Decision:
        """The decision on ``transaction``; raises ``grpc.RpcError`` on a failed call."""
        request = pb.ScoreTransactionRequest(request_id=request_id, transaction=transaction)
        reply: pb.ScoreTransactionResponse = self._transaction(
            request, metadata=self._metadata, timeout=timeout_s
        )
        return reply.decision

    def score_application(
        self, request_id: str, application: pb.Application, timeout_s: float = 2.0
    ) -> pb.Decision:
        """The decision on ``application``; raises ``grpc.RpcError`` on a failed call."""
        request = pb.ScoreApplicationRequest(request_id=request_id, application=application)
        reply: pb.ScoreApplicationResponse = self._application(
            request, metadata=self._metadata, timeout=timeout_s
        )
        return reply.decision
