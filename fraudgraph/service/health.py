"""The standard gRPC health service (grpc.health.v1), kept current by the runtime."""

from __future__ import annotations

from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from fraudgraph.service.service_handlers import RING_SERVICE, SCORING_SERVICE


class HealthReporter:
    """SERVING/NOT_SERVING per service: scoring works without Neo4j, rings need it."""

    def __init__(self) -> None:
        self._servicer = health.HealthServicer()

    def add_to(self, server: grpc.Server) -> None:
        """Register the health service on ``server``."""
        health_pb2_grpc.add_HealthServicer_to_server(self._servicer, server)

    def serving(self) -> None:
        """Everything is up."""
        for name in ("", SCORING_SERVICE, RING_SERVICE):
            self._set(name, True)

    def graph_available(self, available: bool) -> None:
        """The ring service follows Neo4j's availability."""
        self._set(RING_SERVICE, available)

    def shutting_down(self) -> None:
        """Tell load balancers to stop sending calls before the server stops."""
        self._servicer.enter_graceful_shutdown()

    def _set(self, name: str, ok: bool) -> None:
        status: Any = (
            health_pb2.HealthCheckResponse.SERVING
            if ok
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        self._servicer.set(name, status)
