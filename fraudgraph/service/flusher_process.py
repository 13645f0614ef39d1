"""The outbox flusher of a multi-process service, in a process of its own.

Writing events to Neo4j costs CPU in Python too (reading and decoding the outbox rows, building
the graph rows, packing them for Bolt): about a quarter of a millisecond per event. Run as a
thread of a server process, that work held the GIL in bursts of tens of milliseconds every
flush, and the requests of that process waited behind it (measured: one worker's CPU rose by a
third and its latency tail with it). In a process of its own it takes no GIL from the request
path. The supervisor starts, restarts and stops it like a server process.

Its flush thread runs at ``service_flusher_nice`` (default 19), but its writes under the
outbox's write lock (marking events flushed, pruning) run on a thread at the servers' priority
(see OutboxFlusher). Every request's commit needs that lock too: a whole process at nice 10,
preempted while holding it, made both server processes wait for it (measured in session 6:
client p99 103-126 ms at nice 10, 32 ms at nice 0, against a co-located Neo4j of 100k/1M).

With metrics on, it serves its own Prometheus endpoint on ``service_metrics_port +
service_processes`` (after the server processes'): its failed Neo4j writes
(``fraudgraph_neo4j_errors_total{operation="outbox"}``) and the outbox depth.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import FrameType

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.json_log_formatter import JsonLogFormatter
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.outbox_flusher import OutboxFlusher
from fraudgraph.service.service_metrics import ServiceMetrics
from fraudgraph.service.service_runtime import RuntimeOptions
from fraudgraph.settings import Settings

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FlusherSpec:
    """What the flusher process needs (pickled to the spawned process)."""

    settings: Settings
    options: RuntimeOptions
    json_logs: bool = True


class FlusherProcess:
    """Runs an :class:`OutboxFlusher` until SIGTERM or the supervisor's pipe closes."""

    def __init__(self, spec: FlusherSpec, conn: Connection) -> None:
        self.spec = spec
        self._conn = conn
        self._stop = threading.Event()

    @staticmethod
    def main(spec: FlusherSpec, conn: Connection) -> None:
        """The spawned process's entry point."""
        if spec.json_logs:
            JsonLogFormatter.install()
        FlusherProcess(spec, conn).run()

    def run(self) -> None:
        """Flush until stopped; tell the supervisor once flushing."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor
        o = self.spec.options
        driver = create_driver(self.spec.settings)
        outbox = Outbox(o.outbox_path)
        metrics = ServiceMetrics()
        errors = metrics.neo4j_errors.labels("outbox")
        flusher = OutboxFlusher(
            outbox, driver, o.database, batch_size=o.flush_batch, interval_s=o.flush_s,
            on_error=lambda exc: errors.inc(), retention_s=o.idempotency_window_s,
            min_interval_s=o.flush_min_s, nice=o.flusher_nice,
        )  # fmt: skip
        try:
            if o.metrics_port:
                metrics.outbox_depth.set_function(outbox.depth)  # read when scraped
                metrics.serve(self.metrics_port(o), o.host)
            flusher.start()
            self._conn.send(os.getpid())
            threading.Thread(target=self._watch_pipe, name="supervisor-pipe", daemon=True).start()
            LOG.info("outbox flusher process (pid %d) running", os.getpid())
            self._stop.wait()
        finally:
            flusher.stop()
            outbox.close()
            driver.close()

    @staticmethod
    def metrics_port(options: RuntimeOptions) -> int:
        """Where the flusher serves its metrics: after the server processes' ports."""
        return options.metrics_port + options.processes

    def _watch_pipe(self) -> None:
        """Stop on the supervisor's word, or when its end of the pipe closes."""
        try:
            self._conn.recv()
        except (EOFError, OSError):
            LOG.warning("outbox flusher: supervisor gone; stopping")
        self._stop.set()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._stop.set()
