"""The flusher process's own metrics endpoint: its Neo4j errors and the outbox depth."""

from __future__ import annotations

import multiprocessing as mp
import re
import socket
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fraudgraph.service.decision_engine import DecisionEngine, DecisionPolicy
from fraudgraph.service.flusher_process import FlusherProcess, FlusherSpec
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer_holder import ScorerHolder
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.service.service_runtime import RuntimeOptions
from fraudgraph.types import Transaction
from tests.unit.service.conftest import offline_settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _metric(text: str, name: str) -> float | None:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def test_the_flusher_process_serves_its_neo4j_errors_and_the_outbox_depth(
    tmp_path: Path,
) -> None:
    base = _free_port()
    settings = offline_settings(tmp_path, service_metrics_port=base, service_processes=2)
    options = RuntimeOptions.from_settings(settings)
    box = Outbox(options.outbox_path)
    engine = DecisionEngine(IdentifierExtractor(), RiskIndex(hub_cap=50), ScorerHolder(), box,
                            DecisionPolicy(0.5, 0.8, True))  # fmt: skip
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    for i in range(3):  # events the flusher cannot write (nothing listens on its Neo4j port)
        txn = Transaction(f"t-{i}", "AC1", "AC2", 10.0 + i, "CNY", moment)
        engine.decide(ScoringRequest(f"r-{i}", txn, f"h-{i}"))
    box.close()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=FlusherProcess.main, args=(FlusherSpec(settings, options), child))
    process.start()
    try:
        assert parent.poll(60)
        assert parent.recv() == process.pid
        url = f"http://127.0.0.1:{FlusherProcess.metrics_port(options)}/metrics"
        assert FlusherProcess.metrics_port(options) == base + 2  # after servers 0 and 1
        # the driver retries a failed write for 15 s before the flusher counts the error
        deadline, errors, text = time.monotonic() + 90, None, ""
        while time.monotonic() < deadline and not errors:
            try:
                text = urllib.request.urlopen(url, timeout=5).read().decode()
            except OSError:
                time.sleep(0.2)
                continue
            errors = _metric(text, 'fraudgraph_neo4j_errors_total{operation="outbox"}')
            time.sleep(0.2)
        assert errors is not None
        assert errors >= 1
        assert _metric(text, "fraudgraph_outbox_depth") == 3.0  # nothing was written
    finally:
        parent.send("stop")
        process.join(15)
        if process.is_alive():
            process.kill()
