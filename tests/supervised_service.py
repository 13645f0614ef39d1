"""A multi-process server for tests: started, handed over, always stopped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fraudgraph.service.service_supervisor import ServiceSupervisor
from fraudgraph.service.service_worker import WorkerSpec

#: Spawned workers import gRPC, torch and the index; a loaded CI machine can be slow.
START_TIMEOUT_S = 300.0


@contextmanager
def supervised(spec: WorkerSpec, processes: int = 2) -> Iterator[ServiceSupervisor]:
    """``processes`` server processes of ``spec``, serving until the block ends."""
    supervisor = ServiceSupervisor(spec, processes=processes)
    supervisor.start(timeout_s=START_TIMEOUT_S)
    try:
        yield supervisor
    finally:
        supervisor.stop(0.5)
