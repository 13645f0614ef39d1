"""One server process of a multi-process service: its own runtime, index and scorer.

The supervisor starts each worker with the ``spawn`` method (a fresh interpreter, never a fork
of a process that has initialised gRPC) and hands it a :class:`WorkerSpec`. The worker builds
a :class:`ServiceRuntime` bound with SO_REUSEPORT to the shared port, fills its risk index
(from Neo4j, or a :class:`SyntheticIndex` for benchmarks), answers :class:`WorkerReady` on its
pipe and serves until SIGTERM/SIGINT, a message on the pipe, or the pipe closing (the
supervisor is gone: a worker never outlives it).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import FrameType

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.cpu_shares import CpuShares
from fraudgraph.service.identifier_extractor import EntitySource
from fraudgraph.service.json_log_formatter import JsonLogFormatter
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.service.synthetic_index import SyntheticIndex
from fraudgraph.settings import Settings

LOG = logging.getLogger(__name__)
#: Ring and non-ring accounts/devices a worker samples from its index for load generators.
POOL_SIZE = 2000
MODEL_WAIT_S = 600.0
STOP_WAIT_S = 30.0


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """Everything a worker process needs (pickled to the spawned process)."""

    settings: Settings
    options: RuntimeOptions
    slot: int = 0
    nlp_models: bool = False
    synthetic: SyntheticIndex | None = None
    wait_for_model: bool = False
    sample_pools: bool = False
    json_logs: bool = True
    #: CPUs the process binds itself to (empty: not bound; see CpuShares).
    cpus: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkerReady:
    """What a worker reports once it serves."""

    slot: int
    pid: int
    port: int
    index_load_s: float
    index_entries: int
    model_version: str
    account_pool: tuple[str, ...] = ()
    device_pool: tuple[str, ...] = ()


class ServiceWorker:
    """Runs one server process until it is told to stop."""

    def __init__(self, spec: WorkerSpec, conn: Connection) -> None:
        self.spec = spec
        self._conn = conn
        self._stop_lock = threading.Lock()
        self._stopped = threading.Event()
        self._runtime: ServiceRuntime | None = None

    @staticmethod
    def main(spec: WorkerSpec, conn: Connection) -> None:
        """The spawned process's entry point."""
        if spec.json_logs:
            JsonLogFormatter.install()
        if spec.cpus and not CpuShares.bind(spec.cpus):
            LOG.warning("server process %d: cannot bind to CPUs %s", spec.slot, spec.cpus)
        ServiceWorker(spec, conn).run()

    @staticmethod
    def extractor(nlp_models: bool) -> EntitySource:
        """The entity source: identifiers only, or the spaCy NER models as well."""
        from fraudgraph.service.identifier_extractor import IdentifierExtractor

        if not nlp_models:
            return IdentifierExtractor()
        from fraudgraph.nlp.extractor import EntityExtractor

        return EntityExtractor.load()

    def run(self) -> None:
        """Serve until stopped."""
        spec = self.spec
        driver = create_driver(spec.settings)
        runtime = ServiceRuntime(spec.options, driver, self.extractor(spec.nlp_models))
        self._runtime = runtime
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(
            signal.SIGINT, signal.SIG_IGN
        )  # Ctrl-C reaches the supervisor, which stops us
        try:
            ready = self._start(runtime)
            self._conn.send(ready)
            threading.Thread(target=self._watch_pipe, name="supervisor-pipe", daemon=True).start()
            LOG.info("server process %d (pid %d) ready", spec.slot, ready.pid)
            runtime.wait()
        finally:
            self.stop()
            driver.close()

    def stop(self) -> None:
        """Stop serving (once, whoever asks first; a later caller waits for that stop)."""
        with self._stop_lock:
            runtime, self._runtime = self._runtime, None
        if runtime is None:
            self._stopped.wait(STOP_WAIT_S)
            return
        try:
            runtime.stop()
        finally:
            self._stopped.set()

    def _start(self, runtime: ServiceRuntime) -> WorkerReady:
        spec = self.spec
        started = time.perf_counter()
        runtime.start()  # loads the index from Neo4j when it is reachable
        if spec.synthetic is not None:
            runtime.index.replace_all(spec.synthetic.entries())
            runtime.index_loaded()
        index_s = time.perf_counter() - started
        if spec.wait_for_model:
            deadline = time.monotonic() + MODEL_WAIT_S
            while runtime.watcher.attempts == 0 and time.monotonic() < deadline:
                time.sleep(0.2)
        accounts, devices = self._pools(runtime) if spec.sample_pools else ((), ())
        return WorkerReady(
            slot=spec.slot, pid=os.getpid(), port=runtime.port, index_load_s=index_s,
            index_entries=len(runtime.index), model_version=runtime.scorer.version,
            account_pool=accounts, device_pool=devices,
        )  # fmt: skip

    @staticmethod
    def _pools(runtime: ServiceRuntime) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Account and device keys of the loaded graph, riskiest (ring) ones first."""
        found = []
        for label in ("Account", "Device"):
            keys = runtime.index.riskiest(label, ring=True, limit=POOL_SIZE)
            keys += runtime.index.riskiest(label, ring=False, limit=POOL_SIZE)
            found.append(tuple(k.split(":", 1)[1] for k, _ in keys))
        return found[0], found[1]

    def _watch_pipe(self) -> None:
        """Stop on the supervisor's word, or when its end of the pipe closes."""
        try:
            self._conn.recv()
        except (EOFError, OSError):
            LOG.warning("server process %d: supervisor gone; stopping", self.spec.slot)
        self.stop()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=self.stop, name="stop", daemon=True).start()
