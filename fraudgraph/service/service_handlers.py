"""The gRPC method tables of the two services, built from the generated message classes.

The generated ``*_pb2_grpc`` modules are not used: building the handlers here lets the
deserializers turn unparsable bytes into :class:`MalformedMessage` (INVALID_ARGUMENT) instead of
gRPC's INTERNAL, and keeps the code typed.
"""

from __future__ import annotations

from typing import Any

import grpc

from fraudgraph._proto.fraudgraph.v1 import rings_pb2, scoring_pb2
from fraudgraph.service.malformed_message import MalformedMessage
from fraudgraph.service.ring_servicer import RingServicer
from fraudgraph.service.scoring_servicer import ScoringServicer

SCORING_SERVICE = "fraudgraph.v1.ScoringService"
RING_SERVICE = "fraudgraph.v1.RingService"


class ServiceHandlers:
    """Generic handlers that route method names to servicer methods."""

    @staticmethod
    def scoring(servicer: ScoringServicer) -> grpc.GenericRpcHandler[Any, Any]:
        """Handlers of ``fraudgraph.v1.ScoringService``."""
        pb = scoring_pb2
        parse = MalformedMessage.deserializer
        return grpc.method_handlers_generic_handler(
            SCORING_SERVICE,
            {
                "ScoreTransaction": grpc.unary_unary_rpc_method_handler(
                    servicer.ScoreTransaction,
                    parse(pb.ScoreTransactionRequest.FromString),
                    pb.ScoreTransactionResponse.SerializeToString,
                ),
                "ScoreApplication": grpc.unary_unary_rpc_method_handler(
                    servicer.ScoreApplication,
                    parse(pb.ScoreApplicationRequest.FromString),
                    pb.ScoreApplicationResponse.SerializeToString,
                ),
                "ScoreStream": grpc.stream_stream_rpc_method_handler(
                    servicer.ScoreStream,
                    parse(pb.ScoreStreamRequest.FromString),
                    pb.ScoreStreamResponse.SerializeToString,
                ),
            },
        )

    @staticmethod
    def rings(servicer: RingServicer) -> grpc.GenericRpcHandler[Any, Any]:
        """Handlers of ``fraudgraph.v1.RingService``."""
        pb = rings_pb2
        parse = MalformedMessage.deserializer
        return grpc.method_handlers_generic_handler(
            RING_SERVICE,
            {
                "ListRings": grpc.unary_unary_rpc_method_handler(
                    servicer.ListRings,
                    parse(pb.ListRingsRequest.FromString),
                    pb.ListRingsResponse.SerializeToString,
                ),
                "GetRing": grpc.unary_unary_rpc_method_handler(
                    servicer.GetRing,
                    parse(pb.GetRingRequest.FromString),
                    pb.GetRingResponse.SerializeToString,
                ),
                "ReviewRing": grpc.unary_unary_rpc_method_handler(
                    servicer.ReviewRing,
                    parse(pb.ReviewRingRequest.FromString),
                    pb.ReviewRingResponse.SerializeToString,
                ),
            },
        )
