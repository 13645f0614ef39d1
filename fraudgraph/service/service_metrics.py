"""Prometheus metrics of the service, in their own registry (no global state in tests)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from fraudgraph.types import Decision

#: Latency buckets (seconds) dense around the 10 ms goal.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1,
                   0.25, 0.5, 1.0, 2.5)  # fmt: skip


class ServiceMetrics:
    """Latency per RPC, decisions per action, model version, Neo4j errors, outbox depth."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.rpc_latency = Histogram(
            "fraudgraph_rpc_latency_seconds", "Server-side latency of each RPC.",
            ["method", "code"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.decisions = Counter(
            "fraudgraph_decisions_total", "Decisions made, by action and model version.",
            ["action", "model_version"], registry=self.registry,
        )  # fmt: skip
        self.model_version = Gauge(
            "fraudgraph_model_info", "The model serving new requests (value 1).",
            ["version"], registry=self.registry,
        )  # fmt: skip
        self.neo4j_errors = Counter(
            "fraudgraph_neo4j_errors_total", "Failed Neo4j operations, by operation.",
            ["operation"], registry=self.registry,
        )  # fmt: skip
        self.outbox_depth = Gauge(
            "fraudgraph_outbox_depth", "Scored events waiting to be written to the graph.",
            registry=self.registry,
        )  # fmt: skip
        self.index_entries = Gauge(
            "fraudgraph_risk_index_entries", "Entries of the in-memory risk index.",
            registry=self.registry,
        )  # fmt: skip
        #: The decision counter's children by (action, model version): ``labels()`` validates
        #: and locks on every call, a dictionary hit does not.
        self._decision_counters: dict[tuple[str, str], Counter] = {}

    def observe_decision(self, decision: Decision) -> None:
        """Count one decision."""
        key = (decision.action.value, decision.model_version)
        counter = self._decision_counters.get(key)
        if counter is None:
            counter = self._decision_counters.setdefault(key, self.decisions.labels(*key))
        counter.inc()

    def set_model(self, version: str) -> None:
        """Record the model now serving."""
        self.model_version.clear()
        self.model_version.labels(version).set(1)

    def track(self, outbox_depth: Callable[[], float], index_entries: Callable[[], float]) -> None:
        """Read the gauges from live objects at scrape time."""
        self.outbox_depth.set_function(outbox_depth)
        self.index_entries.set_function(index_entries)

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        """Expose /metrics over HTTP on ``port``."""
        start_http_server(port, addr=host, registry=self.registry)
