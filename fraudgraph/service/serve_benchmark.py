"""The serving benchmark: the server in this process, the load generator in another.

The real-time path reads only the in-memory risk index, so the benchmark sizes that index like
a graph of ``applications`` applications and ``transactions`` transactions (identifier link
counts drawn from those record counts, 1% of accounts in rings). With ``use_neo4j`` the index
is instead loaded from a real Neo4j (``neo4j_uri``, default the configured one), whatever it
holds, and one request in three uses its ring and shared accounts and devices; with
``models_dir`` the promoted GNN of that registry is loaded (and waited for) before the load.

The load generator runs in its own process: ``client="node"`` (the default) is
``clients/node/loadgen.js``, far cheaper per call than ``client="python"`` (an asyncio gRPC
client), which matters when both share two cores. Both are open loop and measure client
latency from each request's scheduled send time.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.load_generator import LoadGenerator, LoadPlan, LoadResult
from fraudgraph.service.node_load_generator import NodeLoadGenerator
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer import IdentifierRisk
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
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
    client: str = "node"


class ServeBenchmark:
    """Runs one benchmark and returns its JSON-ready report."""

    def __init__(self, config: BenchConfig, settings: Settings | None = None) -> None:
        self.config = config
        self.settings = settings

    @property
    def _workers(self) -> int:
        return max(self.config.workers, self.config.streams + 2)

    def run(self) -> dict[str, Any]:
        """Start the server, run warm-up and measured load, stop; return the report."""
        c = self.config
        with tempfile.TemporaryDirectory(prefix="fg-bench-") as tmp:
            settings = self._settings(Path(tmp))
            driver = create_driver(settings)
            options = RuntimeOptions.from_settings(settings)
            if c.models_dir is not None:
                options = replace(options, models_dir=c.models_dir.resolve(), model_poll_s=1.0)
            runtime = ServiceRuntime(options, driver, IdentifierExtractor())
            runtime.start()
            try:
                index_s, entries = self._fill_index(runtime)
                model = self._wait_for_model(runtime)
                pools = self._pools(runtime)
                target = f"127.0.0.1:{runtime.port}"
                self._load(target, pools, rate=min(200.0, c.rate), duration_s=2.0, prefix="warm")
                before = os.times()
                result = self._load(target, pools, rate=c.rate, duration_s=c.duration_s,
                                    prefix="run")  # fmt: skip
                cpu = _cpu_per_request(before, os.times(), result, c.client == "node")
                depth = runtime.outbox.depth()
            finally:
                runtime.stop(1.0)
                driver.close()
        report = self._report(result, index_s, entries, depth, model)
        report["metrics"].update(cpu)
        return report

    def _wait_for_model(self, runtime: ServiceRuntime, timeout_s: float = 600.0) -> str:
        """The scorer's version once a promoted model is loaded (or refused)."""
        if self.config.models_dir is None:
            return runtime.scorer.version
        deadline = time.monotonic() + timeout_s
        while runtime.watcher.attempts == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        return runtime.scorer.version

    def _pools(self, runtime: ServiceRuntime) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Account and device keys of the loaded graph (empty for the synthetic index)."""
        if not self.config.use_neo4j:
            return (), ()
        index = runtime.index
        found = []
        for label in ("Account", "Device"):
            keys = index.riskiest(label, ring=True, limit=2000)
            keys += index.riskiest(label, ring=False, limit=2000)
            found.append(tuple(k.split(":", 1)[1] for k, _ in keys))
        return found[0], found[1]

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
        if not self.config.use_neo4j:
            updates["neo4j_uri"] = "bolt://127.0.0.1:9"  # unreachable: events stay in the outbox
        elif self.config.neo4j_uri:
            updates["neo4j_uri"] = self.config.neo4j_uri
        return base.model_copy(update=updates)

    def _fill_index(self, runtime: ServiceRuntime) -> tuple[float, int]:
        started = time.perf_counter()
        if self.config.use_neo4j:
            entries = runtime.loader.load()
        else:
            runtime.index.replace_all(self._synthetic_entries())
            entries = len(runtime.index)
        runtime.index_loaded()  # what the runtime's own loads do next
        return time.perf_counter() - started, entries

    def _synthetic_entries(self) -> dict[str, IdentifierRisk]:
        """Link counts as a graph of this size would give them (devices and IPs shared)."""
        c = self.config
        rng = np.random.default_rng(c.seed)
        accounts, devices = c.applications, max(c.applications // 2, 1)
        records = c.applications + c.transactions
        device_links = np.bincount(rng.zipf(1.6, records) % devices, minlength=devices)
        cap = 200  # the service's default hub cap
        entries: dict[str, IdentifierRisk] = {}
        for d in np.nonzero(device_links >= 2)[0]:
            links = int(min(device_links[d], cap))
            entries[RiskIndex.key("Device", f"dev-{d:06d}")] = IdentifierRisk(links=links)
        for a in rng.choice(accounts, size=max(accounts // 100, 1), replace=False):
            ring = f"R-{int(a) % 997}"
            entries[RiskIndex.key("Account", f"AC{int(a):07d}")] = IdentifierRisk(
                ring_id=ring, ring_score=0.85
            )
        return entries

    def _load(
        self,
        target: str,
        pools: tuple[tuple[str, ...], tuple[str, ...]],
        *,
        rate: float,
        duration_s: float,
        prefix: str,
    ) -> LoadResult:
        c = self.config
        plan = LoadPlan(
            target=target, token=TOKEN, rate=rate, duration_s=duration_s,
            concurrency=c.concurrency, accounts=c.applications,
            devices=max(c.applications // 2, 1), seed=c.seed, id_prefix=prefix,
            streams=c.streams, account_pool=pools[0], device_pool=pools[1],
        )  # fmt: skip
        if c.client == "node":
            return NodeLoadGenerator(plan).run()
        ctx = mp.get_context("spawn")
        with ctx.Pool(1) as pool:
            result: LoadResult = pool.apply(_run_plan, (plan,))
        return result

    def _report(
        self, result: LoadResult, index_s: float, entries: int, depth: int, model: str
    ) -> dict[str, Any]:
        c = self.config
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
            "index_load_s": round(index_s, 3),
            "outbox_depth_after": depth,
            "actions": dict(result.actions),
            "model_version": model,
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
            },
        }


def _run_plan(plan: LoadPlan) -> LoadResult:
    """Pool entry point: the load generator's own process."""
    return LoadGenerator(plan).run()


def _cpu_per_request(
    before: os.times_result, after: os.times_result, result: LoadResult, child_client: bool
) -> dict[str, float | None]:
    """CPU time per answered request (µs) of this process (the server) and of the generator.

    The generator's figure is given for the Node one, a child process reaped by then (it
    includes Node's start-up); the Python one's pool worker also counts its imports.
    """
    answered = max(len(result.client_ms) + sum(result.errors.values()), 1)
    server = after.user + after.system - before.user - before.system
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
