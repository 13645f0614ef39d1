"""The daemon-thread lifecycle shared by the service's background jobs.

The risk-index refresh, the outbox flush and the model watcher each loop in their own daemon
thread until the server stops; only the loop body differs, so the start/stop handling lives here
once.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod


class BackgroundWorker(ABC):
    """Runs :meth:`_run` in a named daemon thread, which returns once ``_stop`` is set."""

    def __init__(self, thread_name: str) -> None:
        self._thread_name = thread_name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the loop in a daemon thread, until :meth:`stop`."""
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Ask the loop to end and wait up to ``timeout_s`` for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    @abstractmethod
    def _run(self) -> None:
        """The loop body; it waits on ``self._stop`` between rounds."""
