"""What every benchmark reports about where it ran, and a private Neo4j to run against."""

from __future__ import annotations

import os
import platform
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from fraudgraph import __version__
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.settings import Settings


def environment(**extra: Any) -> dict[str, Any]:
    """Machine facts for the ``environment`` block of a benchmark's JSON."""
    import torch

    return {
        "fraudgraph": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "torch": torch.__version__,
        "cuda": torch.cuda.is_available(),
        **extra,
    }


def emit(report: dict[str, Any], out: Path | None, *, indent: int | None = None) -> None:
    """Print a benchmark's JSON object, and write it to ``out`` too when given."""
    import json

    text = json.dumps(report, ensure_ascii=False, indent=indent)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_neo4j(heap: str = "4g", pagecache: str = "2g") -> Iterator[tuple[Settings, int]]:
    """A throw-away local Neo4j on a free port (benchmarks wipe and fill their database)."""
    with tempfile.TemporaryDirectory(prefix="fraudgraph-bench-") as var:
        settings = Settings(
            neo4j_uri=f"bolt://127.0.0.1:{_free_port()}",
            var_dir=Path(var),
            neo4j_heap=heap,
            neo4j_pagecache=pagecache,
        )
        server = LocalNeo4j(settings)
        status = server.start()
        try:
            yield settings, status.pid or 0
        finally:
            server.stop()
