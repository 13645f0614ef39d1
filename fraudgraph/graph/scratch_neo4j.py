"""A throw-away local Neo4j: free port, temporary home, stopped on exit.

Used by the test session (``tests/conftest.py``), the notebooks' test run
(``notebooks/conftest.py``) and anyone who wants a private server for an experiment; a
developer's server is never touched.
"""

from __future__ import annotations

import socket
from pathlib import Path
from types import TracebackType

from pydantic import SecretStr

from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.settings import Settings


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScratchNeo4j:
    """Context manager: starts the bundled Neo4j under ``var_dir`` and stops it on exit."""

    def __init__(
        self,
        var_dir: Path,
        password: str,
        *,
        port: int | None = None,
        http: bool = False,
        heap: str = "768m",
        pagecache: str = "256m",
    ) -> None:
        self.settings = Settings(
            neo4j_uri=f"bolt://127.0.0.1:{port or free_port()}",
            neo4j_password=SecretStr(password),
            neo4j_http_port=free_port() if http else 0,
            var_dir=var_dir,
            neo4j_heap=heap,
            neo4j_pagecache=pagecache,
        )
        self.server = LocalNeo4j(self.settings)

    def __enter__(self) -> Settings:
        self.server.start()
        return self.settings

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.stop()
