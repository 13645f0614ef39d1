"""A multi-process server for tests: started, handed over, always stopped."""

from __future__ import annotations

import re
import subprocess
import threading
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


def listening_port(serve: subprocess.Popen[str], note: str = "") -> int:
    """The port a ``fraudgraph serve`` child prints once it serves, on a line ending in
    ``note`` (its other lines are JSON logs); stderr is drained from then on."""
    assert serve.stderr is not None
    pattern = re.compile(r"listening on [^ ]+:(\d+)" + re.escape(note))
    for line in serve.stderr:
        found = pattern.search(line)
        if found:
            threading.Thread(target=serve.stderr.read, daemon=True).start()  # keep draining
            return int(found.group(1))
    raise AssertionError(f"serve exited ({serve.wait()}) before listening")
