"""Serving the console: the standard library's WSGI server, one thread per request."""

from __future__ import annotations

import logging
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from fraudgraph.console.console_app import ConsoleApp

LOG = logging.getLogger("fraudgraph.console")


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    server_version = "fraudgraph-console"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug("%s %s", self.address_string(), format % args)


class ConsoleServer:
    """The console on ``host:port`` (port 0: any free port, see :attr:`port`)."""

    def __init__(self, app: ConsoleApp, host: str = "127.0.0.1", port: int = 8080) -> None:
        self._server = make_server(
            host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port actually bound."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The console's base URL."""
        host = str(self._server.server_address[0])
        return f"http://{host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve until interrupted (the CLI)."""
        self._server.serve_forever()

    def start(self) -> None:
        """Serve from a background thread (tests, embedding)."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
