"""Assembling and running the gRPC server: the one place that wires components together."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
from neo4j import Driver

from fraudgraph.errors import ConfigurationError
from fraudgraph.gnn.registry import ModelRegistry
from fraudgraph.service.auth_interceptor import AuthInterceptor
from fraudgraph.service.call_context import CallContext
from fraudgraph.service.deadline_interceptor import DeadlineInterceptor
from fraudgraph.service.decision_engine import DecisionEngine, DecisionPolicy
from fraudgraph.service.error_interceptor import ErrorInterceptor
from fraudgraph.service.gnn_scorer_factory import GnnScorerFactory, GraphSource
from fraudgraph.service.handler_wrapping import InterceptorBase
from fraudgraph.service.health import HealthReporter
from fraudgraph.service.heap_freezer import HeapFreezer
from fraudgraph.service.identifier_extractor import EntitySource
from fraudgraph.service.metrics_interceptor import MetricsInterceptor
from fraudgraph.service.model_watcher import ModelWatcher
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.outbox_flusher import OutboxFlusher
from fraudgraph.service.reflection import Reflection
from fraudgraph.service.ring_servicer import RingServicer
from fraudgraph.service.ring_store import RingStore
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.risk_index_loader import RiskIndexLoader
from fraudgraph.service.scorer import Scorer
from fraudgraph.service.scorer_holder import ScorerHolder
from fraudgraph.service.scoring_servicer import ScoringServicer
from fraudgraph.service.service_handlers import RING_SERVICE, ServiceHandlers
from fraudgraph.service.service_metrics import ServiceMetrics
from fraudgraph.service.serving_graph import ServingGraph
from fraudgraph.service.tls_credentials import TlsCredentials
from fraudgraph.service.token_authority import TokenAuthority
from fraudgraph.settings import Settings

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """What the runtime takes from Settings (so tests can build one without env vars)."""

    host: str
    port: int
    workers: int
    max_concurrent_rpcs: int
    policy: DecisionPolicy
    default_deadline_s: float
    ring_deadline_s: float
    require_auth: bool
    token_digests: dict[str, str]
    tls_cert: Path | None
    tls_key: Path | None
    tls_client_ca: Path | None
    metrics_port: int
    outbox_path: Path
    database: str
    hub_cap: int
    index_refresh_s: float
    flush_s: float
    flush_batch: int
    idempotency_window_s: float
    models_dir: Path
    model_poll_s: float
    #: Server processes sharing the port; each runs its own runtime (see ServiceSupervisor).
    processes: int = 1
    #: Whether this process writes the outbox to Neo4j: only one of the processes does.
    run_flusher: bool = True
    #: Bind the port with SO_REUSEPORT, so that sibling processes can share it.
    reuse_port: bool = False
    #: First of the processes' own ports (process i: base + i; 0 = shared port + 1 + i).
    worker_ports_base: int = 0
    #: A port of this process's own besides the shared one (None = none; 0 = ephemeral).
    private_port: int | None = None
    #: Least seconds between the starts of two outbox flushes.
    flush_min_s: float = 0.0
    #: Seconds between two ``gc.freeze()`` calls (0: never; see HeapFreezer).
    gc_freeze_s: float = 0.0
    #: Nice value of the flusher process's flush thread (see OutboxFlusher; 0: unchanged).
    flusher_nice: int = 0

    @classmethod
    def from_settings(cls, s: Settings) -> RuntimeOptions:
        """Options from the application's settings."""
        if s.service_review_threshold > s.service_block_threshold:
            raise ConfigurationError("service_review_threshold exceeds service_block_threshold")
        policy = DecisionPolicy(
            s.service_review_threshold, s.service_block_threshold, s.service_fail_policy == "open"
        )
        return cls(
            host=s.service_host, port=s.service_port, workers=s.service_workers,
            max_concurrent_rpcs=s.service_max_concurrent_rpcs, policy=policy,
            default_deadline_s=s.service_default_deadline_ms / 1000.0,
            ring_deadline_s=s.service_ring_deadline_ms / 1000.0,
            require_auth=s.service_require_auth, token_digests=dict(s.service_token_digests),
            tls_cert=s.service_tls_cert, tls_key=s.service_tls_key,
            tls_client_ca=s.service_tls_client_ca, metrics_port=s.service_metrics_port,
            outbox_path=(s.var_dir / "service" / "outbox.sqlite").resolve(),
            database=s.neo4j_database, hub_cap=s.service_hub_degree_cap,
            index_refresh_s=s.service_index_refresh_s, flush_s=s.service_outbox_flush_s,
            flush_batch=s.service_outbox_batch,
            idempotency_window_s=s.service_idempotency_window_s,
            models_dir=s.models_dir, model_poll_s=s.service_model_poll_s,
            processes=s.service_processes, worker_ports_base=s.service_worker_ports_base,
            flush_min_s=s.service_outbox_min_flush_s, gc_freeze_s=s.service_gc_freeze_s,
            flusher_nice=s.service_flusher_nice,
        )  # fmt: skip


class ServiceRuntime:
    """The gRPC server with its engine, index, outbox flusher, health and metrics."""

    def __init__(
        self,
        options: RuntimeOptions,
        driver: Driver,
        extractor: EntitySource,
        scorer: Scorer | None = None,
        graph_source: GraphSource | None = None,
    ) -> None:
        """``graph_source`` gives a promoted model its graph (default: export from Neo4j)."""
        self.options = options
        self.metrics = ServiceMetrics()
        self.health = HealthReporter()
        self.index = RiskIndex(options.hub_cap)
        self.outbox = Outbox(options.outbox_path)
        self.scorer = ScorerHolder(scorer)
        self.engine = DecisionEngine(
            extractor, self.index, self.scorer, self.outbox, options.policy,
            on_decision=self.metrics.observe_decision,
        )  # fmt: skip
        self.loader = RiskIndexLoader(
            driver, options.database, self.index, hub_cap=options.hub_cap,
            interval_s=options.index_refresh_s, on_error=self._graph_error("index"),
            on_loaded=self.index_loaded,
        )  # fmt: skip
        self.flusher = OutboxFlusher(
            self.outbox, driver, options.database, batch_size=options.flush_batch,
            interval_s=options.flush_s, on_error=self._graph_error("outbox"),
            retention_s=options.idempotency_window_s, min_interval_s=options.flush_min_s,
        )  # fmt: skip
        self._ring_store = RingStore(driver, options.database, CallContext.remaining_s)
        factory = GnnScorerFactory(
            graph_source
            or (lambda target: ServingGraph.from_neo4j(driver, options.database, target))
        )
        self.watcher = ModelWatcher(ModelRegistry(options.models_dir), factory.build,
                                    self.promote, interval_s=options.model_poll_s)  # fmt: skip
        self.heap = HeapFreezer(options.gc_freeze_s)
        self.port = 0
        self.private_port: int | None = None
        self.server = self._build_server()

    def start(self) -> int:
        """Load the index (or carry on without it), start serving; return the bound port."""
        loaded = self.loader.try_load()
        self.loader.start()
        if self.options.run_flusher:
            self.flusher.start()
        if self.options.model_poll_s > 0:
            self.watcher.start()
        if self.options.gc_freeze_s > 0:
            self.heap.start()
        self.metrics.set_model(self.scorer.version)
        self.metrics.track(lambda: float(self.outbox.depth()), lambda: float(len(self.index)))
        if self.options.metrics_port:
            self.metrics.serve(self.options.metrics_port, self.options.host)
        self.server.start()
        self.health.serving()
        self.health.graph_available(loaded)
        LOG.info("serving on %s:%d", self.options.host, self.port)
        return self.port

    def index_loaded(self) -> None:
        """A fresh risk index is in: the graph is reachable; settle the heap.

        ``gc.freeze`` moves every object alive now (libraries, the index) out of the cyclic
        collector's sight, so its full collections no longer rescan them between requests:
        measured, that was a third of a request's CPU. Frozen objects are still freed by
        reference counting when a later load replaces them.
        """
        self.health.graph_available(True)
        self.heap.freeze_now()

    def promote(self, scorer: Scorer) -> None:
        """Serve new requests with a newly promoted model; in-flight ones finish on the old."""
        self.scorer.promote(scorer)
        self.metrics.set_model(scorer.version)

    def stop(self, grace_s: float = 2.0) -> None:
        """Stop taking calls, finish those in flight, stop the background threads."""
        self.health.shutting_down()
        self.server.stop(grace_s).wait()
        self.watcher.stop()
        self.heap.stop()
        self.loader.stop()
        self.flusher.stop()
        self.outbox.close()

    def wait(self) -> None:
        """Block until the server stops."""
        self.server.wait_for_termination()

    def _build_server(self) -> grpc.Server:
        o = self.options
        interceptors: list[InterceptorBase] = [
            MetricsInterceptor(self.metrics),
            ErrorInterceptor(),
            AuthInterceptor(TokenAuthority(o.token_digests), required=o.require_auth),
            DeadlineInterceptor(
                o.default_deadline_s, service_budgets_s={RING_SERVICE: o.ring_deadline_s}
            ),
        ]
        server = grpc.server(
            ThreadPoolExecutor(max_workers=o.workers, thread_name_prefix="rpc"),
            interceptors=interceptors,
            maximum_concurrent_rpcs=o.max_concurrent_rpcs,
            options=[
                ("grpc.max_receive_message_length", 1 << 20),
                ("grpc.so_reuseport", int(o.reuse_port)),
            ],
        )
        server.add_generic_rpc_handlers(
            (
                ServiceHandlers.scoring(ScoringServicer(self.engine)),
                ServiceHandlers.rings(RingServicer(self._ring_store)),
            )
        )
        self.health.add_to(server)
        Reflection.enable(server)
        credentials = TlsCredentials.server(o.tls_cert, o.tls_key, o.tls_client_ca)
        ports = [o.port] if o.private_port is None else [o.port, o.private_port]
        bound = [
            server.add_insecure_port(f"{o.host}:{port}")
            if credentials is None
            else server.add_secure_port(f"{o.host}:{port}", credentials)
            for port in ports
        ]
        self.port = bound[0]
        self.private_port = bound[1] if len(bound) > 1 else None
        return server

    def _graph_error(self, operation: str) -> _ErrorCounter:
        return _ErrorCounter(self, operation)


class _ErrorCounter:
    """Counts a failed Neo4j operation and marks the ring service down."""

    def __init__(self, runtime: ServiceRuntime, operation: str) -> None:
        self._runtime = runtime
        self._operation = operation

    def __call__(self, exc: Exception) -> None:
        self._runtime.metrics.neo4j_errors.labels(self._operation).inc()
        self._runtime.health.graph_available(False)
