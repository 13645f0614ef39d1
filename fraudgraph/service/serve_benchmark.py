"""The serving benchmark: ``processes`` server processes, the load generator in another.

The servers are the service's own :class:`ServiceSupervisor` workers (spawned processes sharing
one port with SO_REUSEPORT and one outbox), as ``fraudgraph serve`` runs them with
``service_processes``; the server figures (CPU) add up all of them. The load generator spreads
its connections round-robin over the processes' own ports (``spread``, the default), or sends
them all to the shared port and lets the kernel's hash place them (``spread=False``); the
report's ``connections_per_process`` says where they landed.

The real-time path reads only the in-memory risk index, so the benchmark sizes that index like
a graph of ``applications`` applications and ``transactions`` transactions (identifier link
counts drawn from those record counts, 1% of accounts in rings; every process builds the same
one). With ``use_neo4j`` each process instead loads its index from a real Neo4j
(``neo4j_uri``, default the configured one), whatever it holds, and one request in three uses
its ring and shared accounts and devices; with ``models_dir`` the promoted GNN of that registry
is loaded (and waited for) before the load.

The load generator runs in its own process: ``client="go"`` (the default) is ``clients/go``
(grpc-go), the Go twin of ``client="node"``, ``clients/node/loadgen.js`` (same plan, requests
and result; the Go one spends a quarter to a third less CPU per request), both far cheaper
per call than ``client="python"`` (an asyncio gRPC client), which matters when client and
server share two cores. All are open loop and measure client latency from each request's
scheduled send time.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import psutil

from fraudgraph.service.cpu_speed_probe import CpuSpeedProbe
from fraudgraph.service.load_generator import LoadGenerator, LoadPlan, LoadResult
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.process_load_generator import ProcessLoadGenerator
from fraudgraph.service.service_runtime import RuntimeOptions
from fraudgraph.service.service_supervisor import ServiceSupervisor
from fraudgraph.service.service_worker import WorkerReady, WorkerSpec
from fraudgraph.service.synthetic_index import SyntheticIndex
from fraudgraph.service.token_authority import TokenAuthority
from fraudgraph.settings import Settings

TOKEN = "bench-token"


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """Size of the world and of the load."""

    applications: int = 100_000
    transactions: int = 1_000_000
    rate: float = 1000.0
    duration_s: float = 20.0
    concurrency: int = 64
    workers: int = 4
    use_neo4j: bool = False
    seed: int = 7
    streams: int = 0
    neo4j_uri: str | None = None
    models_dir: Path | None = None
    #: Load generator: "go", "node" or "python".
    client: str = "go"
    processes: int = 1
    #: Connections round-robin over the processes' own ports (else all to the shared port).
    spread: bool = True
    #: Server's outbox flusher: events per Neo4j transaction, least seconds between flushes.
    flush_batch: int | None = None
    flush_min_s: float | None = None
    #: With Neo4j: after the load, wait up to this long for the outbox to drain (0: don't).
    drain_s: float = 120.0
    #: Unmeasured load at the full rate before the run. With Neo4j its events are then flushed
    #: (up to ``drain_s``) before measuring, so the run sees a service in its steady state:
    #: Neo4j has planned and compiled the flush queries and settled after the index loads.
    warmup_s: float = 10.0
    #: Unmeasured seconds at the start of the measured run's own client, on its connections: a
    #: fresh client process and fresh streams are slow for their first second or so.
    client_warmup_s: float = 2.0


class ServeBenchmark:
    """Runs one benchmark and returns its JSON-ready report."""

    def __init__(self, config: BenchConfig, settings: Settings | None = None) -> None:
        self.config = config
        self.settings = settings

    @property
    def _workers(self) -> int:
        return max(self.config.workers, self.config.streams + 2)

    def run(self) -> dict[str, Any]:
        """Start the servers, run warm-up and measured load, stop; return the report."""
        c = self.config
        if c.client != "python":
            ProcessLoadGenerator.require(c.client)  # before minutes of set-up, not after
        speed_ms = CpuSpeedProbe().best_ms()  # before any server runs: a quiet measurement
        with tempfile.TemporaryDirectory(prefix="fg-bench-") as tmp:
            settings = self._settings(Path(tmp))
            options = RuntimeOptions.from_settings(settings)
            if c.models_dir is not None:
                options = replace(options, models_dir=c.models_dir.resolve(), model_poll_s=1.0)
            spec = WorkerSpec(
                settings, options,
                synthetic=None if c.use_neo4j else SyntheticIndex(
                    c.applications, c.transactions, c.seed
                ),
                wait_for_model=c.models_dir is not None, sample_pools=c.use_neo4j,
                json_logs=False,
            )  # fmt: skip
            supervisor = ServiceSupervisor(spec, c.processes)
            port = supervisor.start()
            try:
                ready = supervisor.ready
                pools = (ready[0].account_pool, ready[0].device_pool)
                target = _Target(f"127.0.0.1:{port}", self._spread_over(supervisor))
                self._load(target, pools, rate=c.rate, duration_s=c.warmup_s, prefix="warm")
                census = _ConnectionCensus(supervisor, {port, *supervisor.private_ports})
                neo4j_pid = self._neo4j_pid(settings)
                ledger = _CpuLedger(supervisor, options.outbox_path, neo4j_pid)
                if c.use_neo4j:
                    ledger.drain(c.drain_s)
                before, server_before = os.times(), supervisor.cpu_s()
                start = ledger.snapshot()
                census.start()
                result = self._load(target, pools, rate=c.rate, duration_s=c.duration_s,
                                    prefix="run", warmup_s=c.client_warmup_s)  # fmt: skip
                census.stop()
                cpu = _cpu_per_request(
                    before, os.times(), supervisor.cpu_s() - server_before, result,
                    c.client != "python",
                )  # fmt: skip
                end = ledger.snapshot()
                cpu_report = ledger.report("run", start, end)
                if c.use_neo4j:
                    cpu_report.update(ledger.report("drain", end, ledger.drain(c.drain_s)))
                restarts = supervisor.restarts
            finally:
                supervisor.stop(1.0)
            depth = _outbox_depth(options.outbox_path)
        report = self._report(result, ready, depth)
        report["metrics"].update(cpu)
        report["metrics"]["cpu"] = cpu_report
        report["metrics"]["server_restarts"] = restarts
        report["environment"]["server_processes"] = c.processes
        report["environment"]["connections_per_process"] = census.counts
        report["environment"]["outbox_flush"] = {
            "batch": settings.service_outbox_batch,
            "min_interval_s": settings.service_outbox_min_flush_s,
        }
        report["environment"]["neo4j_local_scheduler"] = _scheduler(neo4j_pid)
        report["environment"]["grpc_experiments"] = settings.service_grpc_experiments
        report["environment"]["cpu_model"] = CpuSpeedProbe.model()
        report["environment"]["cpu_speed_probe_ms"] = speed_ms
        report["environment"]["server_processes_pinned"] = settings.service_pin_processes
        return report

    def _settings(self, var_dir: Path) -> Settings:
        base = self.settings or Settings()
        updates: dict[str, Any] = {
            "var_dir": var_dir,
            "service_port": 0,
            # A streaming call holds a server thread for its whole life (sync gRPC server).
            "service_workers": self._workers,
            "service_token_digests": {TokenAuthority.digest(TOKEN): "score"},
            "service_metrics_port": 0,
            "service_index_refresh_s": 3600.0,
            "service_model_poll_s": 0.0,
        }
        if self.config.flush_batch is not None:
            updates["service_outbox_batch"] = self.config.flush_batch
        if self.config.flush_min_s is not None:
            updates["service_outbox_min_flush_s"] = self.config.flush_min_s
        if not self.config.use_neo4j:
            updates["neo4j_uri"] = "bolt://127.0.0.1:9"  # unreachable: events stay in the outbox
        elif self.config.neo4j_uri:
            updates["neo4j_uri"] = self.config.neo4j_uri
        return base.model_copy(update=updates)

    def _neo4j_pid(self, settings: Settings) -> int | None:
        """The local Neo4j's process (listening on the Bolt port on loopback), if any."""
        if not self.config.use_neo4j:
            return None
        parts = urlsplit(settings.neo4j_uri)
        if parts.hostname not in {"127.0.0.1", "localhost", "::1"}:
            return None
        try:
            conns = psutil.net_connections(kind="tcp")
        except psutil.Error:
            return None
        bolt = parts.port or 7687
        for conn in conns:
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == bolt:
                return conn.pid
        return None

    def _spread_over(self, supervisor: ServiceSupervisor) -> tuple[str, ...]:
        """The addresses the load generator spreads its connections over (none: shared port)."""
        if not self.config.spread or not supervisor.private_ports:
            return ()
        return tuple(f"127.0.0.1:{p}" for p in supervisor.private_ports)

    def _load(
        self,
        target: _Target,
        pools: tuple[tuple[str, ...], tuple[str, ...]],
        *,
        rate: float,
        duration_s: float,
        prefix: str,
        warmup_s: float = 0.0,
    ) -> LoadResult:
        c = self.config
        plan = LoadPlan(
            target=target.shared, targets=target.spread, token=TOKEN, rate=rate,
            duration_s=duration_s,
            concurrency=c.concurrency, accounts=c.applications,
            devices=max(c.applications // 2, 1), seed=c.seed, id_prefix=prefix,
            streams=c.streams, account_pool=pools[0], device_pool=pools[1],
            connections=max(1, 4 * c.processes), warmup_s=warmup_s,
        )  # fmt: skip
        if c.client != "python":
            return ProcessLoadGenerator(plan, c.client).run()
        ctx = mp.get_context("spawn")
        with ctx.Pool(1) as pool:
            result: LoadResult = pool.apply(_run_plan, (plan,))
        return result

    def _report(self, result: LoadResult, ready: list[WorkerReady], depth: int) -> dict[str, Any]:
        c = self.config
        entries = ready[0].index_entries
        models = sorted({r.model_version for r in ready})
        ok = len(result.client_ms)
        errors = sum(result.errors.values())
        metrics: dict[str, Any] = {
            "requests_sent": result.sent,
            "requests_ok": ok,
            "errors": errors,
            "errors_by_code": dict(result.errors),
            "throughput_rps": round(ok / result.elapsed_s, 1) if result.elapsed_s else 0.0,
            "target_rps": c.rate,
            "index_entries": entries,
            # The processes load their indexes at the same time: the slowest one's time.
            "index_load_s": round(max(r.index_load_s for r in ready), 3),
            "outbox_depth_after": depth,
            "actions": dict(result.actions),
            "model_version": models[0] if len(models) == 1 else models,
        }
        for name, values in (("client", result.client_ms), ("server", result.server_ms)):
            for q in (50, 95, 99):
                metrics[f"{name}_p{q}_ms"] = _percentile(values, q)
            metrics[f"{name}_mean_ms"] = round(statistics.fmean(values), 3) if values else None
        dataset = (
            f"neo4j graph loaded into a risk index of {entries} keys"
            if c.use_neo4j
            else f"synthetic index sized for {c.applications} applications / "
            f"{c.transactions} transactions"
        )
        return {
            "benchmark": "serve",
            "dataset": dataset,
            "metrics": metrics,
            "goals": {"client_p99_ms_max": 10.0, "throughput_rps_min": 1000.0, "errors": 0},
            "environment": {
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "server_workers": self._workers,
                "client_concurrency": c.concurrency,
                "client_mode": f"ScoreStream x{c.streams}" if c.streams else "unary",
                "client": c.client,
                "client_latency_from": "scheduled send time",
                "duration_s": c.duration_s,
                "warmup_s": c.warmup_s,
                "client_warmup_s": c.client_warmup_s,
                "connections_to": "process ports round-robin"
                if c.spread and c.processes > 1
                else "shared port (kernel hash)",
            },
        }


@dataclass(frozen=True, slots=True)
class _Target:
    """The shared address, and the processes' own ones to spread connections over."""

    shared: str
    spread: tuple[str, ...] = ()


def _run_plan(plan: LoadPlan) -> LoadResult:
    """Pool entry point: the load generator's own process."""
    return LoadGenerator(plan).run()


class _ConnectionCensus:
    """Counts the client connections each server process holds during the measured load.

    SO_REUSEPORT hands each new connection to the shared port to one process (by a hash of its
    addresses), a connection to a process's own port goes to that process, and a connection
    stays where it landed: this shows how the load generator's connections were spread.
    It samples every ``every_s`` until :meth:`stop` and keeps the fullest sample (the load
    generator connects only once it has started up).
    """

    def __init__(
        self, supervisor: ServiceSupervisor, ports: set[int], every_s: float = 0.5
    ) -> None:
        self._supervisor = supervisor
        self._ports = ports
        self._every_s = every_s
        self._stop = threading.Event()
        self.counts: list[int] = []
        self._thread = threading.Thread(target=self._run, name="census", daemon=True)

    def start(self) -> None:
        """Sample in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._every_s):
            counts = self._sample()
            if sum(counts) > sum(self.counts):
                self.counts = counts

    def _sample(self) -> list[int]:
        counts: list[int] = []
        for pid in self._supervisor.pids():
            try:
                conns = psutil.Process(pid).net_connections(kind="tcp")
            except psutil.Error:
                counts.append(0)
                continue
            counts.append(
                sum(
                    1 for c in conns if c.status == psutil.CONN_ESTABLISHED
                    and c.laddr and c.laddr.port in self._ports
                )
            )  # fmt: skip
        return counts


@dataclass(frozen=True, slots=True)
class _CpuSnapshot:
    at: float
    servers: tuple[float, ...]
    flusher: float | None
    neo4j: float | None
    flushed: int


class _CpuLedger:
    """CPU seconds of each server process, of the outbox flusher process and of a local Neo4j
    between two moments, and the outbox events written to the graph meanwhile (Neo4j's cost
    per event)."""

    def __init__(self, supervisor: ServiceSupervisor, outbox: Path, neo4j_pid: int | None) -> None:
        self._supervisor = supervisor
        self._outbox = outbox
        self._neo4j_pid = neo4j_pid

    def snapshot(self) -> _CpuSnapshot:
        """CPU seconds so far of each server process and of Neo4j; events flushed so far."""
        box = Outbox(self._outbox)
        try:
            flushed = box.flushed()
        finally:
            box.close()
        servers = tuple(_cpu_s(pid) or 0.0 for pid in self._supervisor.pids())
        flusher = _cpu_s(self._supervisor.flusher_pid())
        neo4j = _cpu_s(self._neo4j_pid) if self._neo4j_pid else None
        return _CpuSnapshot(time.monotonic(), servers, flusher, neo4j, flushed)

    def drain(self, timeout_s: float) -> _CpuSnapshot:
        """Wait (up to ``timeout_s``) until the flusher has written every event; a snapshot."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _outbox_depth(self._outbox):
            time.sleep(0.25)
        return self.snapshot()

    @staticmethod
    def report(phase: str, a: _CpuSnapshot, b: _CpuSnapshot) -> dict[str, Any]:
        """CPU seconds by process from ``a`` to ``b`` (keys prefixed with ``phase``)."""
        events = b.flushed - a.flushed
        neo4j = None if a.neo4j is None or b.neo4j is None else round(b.neo4j - a.neo4j, 2)
        flusher = None if a.flusher is None or b.flusher is None else b.flusher - a.flusher
        per_1000 = round(neo4j / events * 1000, 3) if neo4j is not None and events else None
        return {
            f"{phase}_s": round(b.at - a.at, 2),
            f"{phase}_server_cpu_s": [
                round(y - x, 2) for x, y in zip(a.servers, b.servers, strict=False)
            ],
            f"{phase}_flusher_cpu_s": None if flusher is None else round(flusher, 2),
            f"{phase}_neo4j_cpu_s": neo4j,
            f"{phase}_events_flushed": events,
            f"{phase}_neo4j_cpu_s_per_1000_events": per_1000,
        }


def _scheduler(pid: int | None) -> str | None:
    """The CPU scheduling of a local process: "idle" (SCHED_IDLE), "normal" or "nice N"."""
    if pid is None:
        return None
    try:
        if os.sched_getscheduler(pid) == os.SCHED_IDLE:
            return "idle"
        nice = psutil.Process(pid).nice()
    except (OSError, psutil.Error):
        return None
    return f"nice {nice}" if nice else "normal"


def _cpu_s(pid: int | None) -> float | None:
    try:
        times = psutil.Process(pid).cpu_times()
    except (psutil.Error, ValueError):
        return None
    return float(times.user + times.system)


def _outbox_depth(path: Path) -> int:
    outbox = Outbox(path)
    try:
        return outbox.depth()
    finally:
        outbox.close()


def _cpu_per_request(
    before: os.times_result,
    after: os.times_result,
    server_s: float,
    result: LoadResult,
    child_client: bool,
) -> dict[str, float | None]:
    """CPU time per answered request (µs) of the server processes (all of them, ``server_s``)
    and of the generator.

    The generator's figure is given for the Go and Node ones, a child process reaped by then
    (it includes the process's start-up); the Python one's pool worker also counts its imports.
    """
    answered = max(len(result.client_ms) + result.unmeasured + sum(result.errors.values()), 1)
    server = server_s
    client = (
        after.children_user + after.children_system
        - before.children_user - before.children_system
    )  # fmt: skip
    return {
        "server_cpu_us_per_request": round(server / answered * 1e6, 1),
        "client_cpu_us_per_request": round(client / answered * 1e6, 1) if child_client else None,
    }


def _percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    return round(float(np.percentile(np.asarray(values), q)), 3)
