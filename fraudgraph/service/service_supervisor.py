"""Runs ``service_processes`` server processes on one port and keeps them running.

One Python process serves about one core's worth of requests (the GIL), so the service scales
over cores with processes: each is a :class:`ServiceWorker` with its own gRPC server, risk
index and scorer (and model watcher), all bound to the same port with SO_REUSEPORT; the
kernel spreads incoming *connections* over them (a connection stays with its process, so a
client needs several connections to use several processes). They share one SQLite outbox
(see :mod:`fraudgraph.service.outbox`), which one more process, the
:class:`~fraudgraph.service.flusher_process.FlusherProcess`, writes to Neo4j: one writer, so each
event is written once, and none of its work (a quarter of a millisecond of Python per event)
competes with requests for a server process's GIL.

The kernel picks a process per connection by a hash of its addresses, which can split a few
connections unevenly (5/3 of 8). So with several processes each also listens on a port of its
own (:attr:`private_ports`: ``service_worker_ports_base + slot``, or the shared port + 1 +
slot, or ephemeral ones when the shared port is), reserved like the shared one so that a
restarted process gets its port back; a client that spreads its connections round-robin over
those addresses loads the processes evenly. Each process serves its own metrics on
``service_metrics_port + slot`` when metrics are on.

The supervisor (the parent) spawns the workers (never forks: gRPC does not survive a fork),
holds the port reserved (a bound, non-listening SO_REUSEPORT socket, which takes no
connections) so that a restarted worker gets it back, restarts a worker that dies (logged),
and stops them all on :meth:`stop` (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import socket
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

import psutil

from fraudgraph.errors import ConfigurationError
from fraudgraph.service.cpu_shares import CpuShares
from fraudgraph.service.flusher_process import FlusherProcess, FlusherSpec
from fraudgraph.service.grpc_experiments import GrpcExperiments
from fraudgraph.service.service_worker import ServiceWorker, WorkerReady, WorkerSpec

LOG = logging.getLogger(__name__)
READY_TIMEOUT_S = 600.0
CHECK_EVERY_S = 0.25
#: A worker that dies this soon after its start waits RESTART_DELAY_S before the next try
#: (a crash loop, say a bad setting, must not spin); others are restarted at once.
EARLY_DEATH_S = 10.0
RESTART_DELAY_S = 2.0
#: The slot of the outbox flusher process (server processes have slots 0, 1, ...).
FLUSHER_SLOT = -1


@dataclass(slots=True)
class _Child:
    """A worker process, its pipe, and what it reported once ready (a server process its
    :class:`WorkerReady`, the flusher process its pid)."""

    slot: int
    process: BaseProcess
    conn: Connection
    ready: WorkerReady | int | None = None
    started: float = 0.0
    died: float | None = None


class ServiceSupervisor:
    """Starts, restarts and stops the server processes of one service."""

    def __init__(self, spec: WorkerSpec, processes: int) -> None:
        if processes < 1:
            raise ConfigurationError("service_processes must be at least 1")
        self.spec = spec
        self.processes = processes
        self.port = 0
        #: Each process's own port, by slot (empty with one process).
        self.private_ports: list[int] = []
        self.restarts = 0
        self._ctx = mp.get_context("spawn")
        self._children: list[_Child] = []
        #: The outbox flusher process (None when the workers' options say not to flush).
        self._flusher: _Child | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        #: One stop at a time: `serve` calls stop() from its signal thread and again from the
        #: main thread; run together they joined and closed the same pipes twice (EBADF).
        self._stop_lock = threading.Lock()
        self._reservations: list[socket.socket] = []
        self._monitor: threading.Thread | None = None

    def start(self, timeout_s: float = READY_TIMEOUT_S) -> int:
        """Start every worker and wait until all serve; return the shared port."""
        # Spawned workers read it when they load gRPC (this process's gRPC is already loaded).
        GrpcExperiments.export(self.spec.settings.service_grpc_experiments)
        try:
            self.port = self._reserve(self.spec.options.host, self.spec.options.port)
            self.private_ports = [
                self._reserve(self.spec.options.host, self._private_port(slot))
                for slot in range(self.processes if self.processes > 1 else 0)
            ]
            for slot in range(self.processes):
                with self._lock:  # a stop() meanwhile sees every child spawned
                    if self._stopping.is_set():
                        return self.port
                    self._children.append(self._spawn(slot))
            with self._lock:
                if self.spec.options.run_flusher and not self._stopping.is_set():
                    self._flusher = self._spawn(FLUSHER_SLOT)
            for child in self._all():
                self._await_ready(child, timeout_s)
        except ConfigurationError:
            if self._stopping.is_set():  # stopped while starting: the workers were told to
                return self.port
            self.stop(0.5)
            raise
        except BaseException:
            self.stop(0.5)
            raise
        self._monitor = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._monitor.start()
        LOG.info("%d server processes serving on port %d", self.processes, self.port)
        return self.port

    @property
    def ready(self) -> list[WorkerReady]:
        """What each worker reported when it became ready (restarted ones once ready again)."""
        with self._lock:
            return [c.ready for c in self._children if isinstance(c.ready, WorkerReady)]

    def pids(self) -> list[int]:
        """Process ids of the workers, by slot."""
        with self._lock:
            return [int(c.process.pid or 0) for c in self._children]

    def flusher_pid(self) -> int | None:
        """Process id of the outbox flusher process (None without one)."""
        with self._lock:
            return None if self._flusher is None else self._flusher.process.pid

    def cpu_s(self) -> float:
        """CPU seconds (user + system) used so far by the workers alive now."""
        total = 0.0
        for pid in self.pids():
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:  # gone (being restarted): its time is lost
                continue
            total += times.user + times.system
        return total

    def wait_ready(
        self, slot: int, timeout_s: float = READY_TIMEOUT_S, *, not_pid: int | None = None
    ) -> WorkerReady:
        """Block until the worker in ``slot`` serves (one other than process ``not_pid``)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                child = self._children[slot]
                ready = child.ready
                alive = child.process.is_alive()
                if isinstance(ready, WorkerReady) and ready.pid != not_pid and alive:
                    return ready
            time.sleep(CHECK_EVERY_S / 2)
        raise ConfigurationError(f"server process {slot} is not serving after {timeout_s:.0f}s")

    def wait(self) -> None:
        """Block until :meth:`stop` is called."""
        while not self._stopping.wait(1.0):
            pass

    def stop(self, grace_s: float = 2.0) -> None:
        """SIGTERM every worker, SIGKILL those still alive after ``grace_s`` + a margin.

        Safe to call again, from any thread: a second call waits for the first.
        """
        with self._stop_lock:
            self._stop(grace_s)

    def _stop(self, grace_s: float) -> None:
        self._stopping.set()
        with self._lock:
            children = self._all()
        for child in children:
            if child.process.is_alive():
                child.process.terminate()
        for child in children:
            child.process.join(grace_s + 10.0)
            if child.process.is_alive():
                LOG.warning("%s did not stop; killing it", _name(child.slot))
                child.process.kill()
                child.process.join(5.0)
            child.conn.close()
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join(5.0)
        for reservation in self._reservations:
            reservation.close()
        self._reservations.clear()

    def addresses(self) -> list[str]:
        """``host:port`` of each process's own port, by slot (the shared one with one process)."""
        host = self.spec.options.host
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return [f"{host}:{port}" for port in self.private_ports or [self.port]]

    def _private_port(self, slot: int) -> int:
        base = self.spec.options.worker_ports_base
        if base:
            return base + slot
        return self.port + 1 + slot if self.spec.options.port else 0

    def _all(self) -> list[_Child]:
        """The server processes and the flusher process."""
        return self._children + ([self._flusher] if self._flusher is not None else [])

    def _spawn(self, slot: int) -> _Child:
        parent_end, child_end = self._ctx.Pipe()
        if slot == FLUSHER_SLOT:
            flusher = FlusherSpec(self.spec.settings, self.spec.options, self.spec.json_logs)
            process = self._ctx.Process(
                target=FlusherProcess.main, args=(flusher, child_end), name="fraudgraph-flusher"
            )
        else:
            process = self._ctx.Process(
                target=ServiceWorker.main, args=(self._worker_spec(slot), child_end),
                name=f"fraudgraph-serve-{slot}",
            )  # fmt: skip
        process.start()
        child_end.close()  # the worker holds the only other end: EOF here when it dies
        return _Child(slot, process, parent_end, started=time.monotonic())

    def _worker_spec(self, slot: int) -> WorkerSpec:
        options = replace(
            self.spec.options,
            port=self.port,
            reuse_port=True,
            private_port=self.private_ports[slot] if self.private_ports else None,
            run_flusher=False,  # the flusher process does
            metrics_port=self.spec.options.metrics_port + slot
            if self.spec.options.metrics_port
            else 0,
        )
        return replace(self.spec, options=options, slot=slot, cpus=self._cpus(slot))

    def _cpus(self, slot: int) -> tuple[int, ...]:
        """The CPUs server process ``slot`` binds itself to (none with one process)."""
        if self.processes < 2 or not self.spec.settings.service_pin_processes:
            return ()
        return CpuShares.split(CpuShares.available(), self.processes)[slot]

    def _await_ready(self, child: _Child, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if child.conn.poll(CHECK_EVERY_S):
                try:
                    child.ready = child.conn.recv()
                except EOFError:
                    break
                return
            if not child.process.is_alive():
                break
        child.process.join(1.0)
        raise ConfigurationError(
            f"{_name(child.slot)} did not start (exit code {child.process.exitcode})"
        )

    def _watch(self) -> None:
        """Restart dead workers; pick up the ready reports of restarted ones."""
        while not self._stopping.wait(CHECK_EVERY_S):
            with self._lock:
                for i, child in enumerate(self._children):
                    self._children[i] = self._check(child)
                if self._flusher is not None:
                    self._flusher = self._check(self._flusher)

    def _check(self, child: _Child) -> _Child:
        """The child, or its restarted successor when it died. (The lock is held.)"""
        if child.ready is None and child.process.is_alive():
            try:
                if child.conn.poll(0):
                    child.ready = child.conn.recv()
            except (EOFError, OSError):
                pass
        if child.process.is_alive() or self._stopping.is_set():
            return child
        now = time.monotonic()
        if child.died is None:
            child.process.join(0)
            child.died = now
            LOG.error(
                "%s (pid %s) exited with code %s; restarting it",
                _name(child.slot), child.process.pid, child.process.exitcode,
            )  # fmt: skip
        early = child.died - child.started < EARLY_DEATH_S
        if early and now < child.died + RESTART_DELAY_S:
            return child
        child.conn.close()
        self.restarts += 1
        return self._spawn(child.slot)

    def _reserve(self, host: str, port: int) -> int:
        """Bind (without listening) a SO_REUSEPORT socket: the port stays ours for restarts."""
        bare = host.strip("[]")
        family = socket.AF_INET6 if ":" in bare else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((bare, port))
        except OSError as exc:
            sock.close()
            raise ConfigurationError(f"cannot bind {host}:{port}: {exc}") from exc
        self._reservations.append(sock)
        return int(sock.getsockname()[1])


def _name(slot: int) -> str:
    return "the outbox flusher process" if slot == FLUSHER_SLOT else f"server process {slot}"
