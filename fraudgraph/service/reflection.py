"""gRPC server reflection, so grpcurl and similar tools can discover the API."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health
from grpc_reflection.v1alpha import reflection

import fraudgraph._proto.fraudgraph.v1.rings_pb2
import fraudgraph._proto.fraudgraph.v1.scoring_pb2  # noqa: F401
from fraudgraph.service.service_handlers import RING_SERVICE, SCORING_SERVICE


class Reflection:
    """Enables reflection for the fraudgraph services, health and reflection itself."""

    @staticmethod
    def enable(server: grpc.Server) -> None:
        """Register the reflection service on ``server``."""
        names = (SCORING_SERVICE, RING_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME)
        reflection.enable_server_reflection(names, server)
