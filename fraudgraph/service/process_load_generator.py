"""The benchmark's load generators that run as programs of their own: Go or Node.js.

A Python asyncio gRPC client spends more CPU per call than the server it measures, and on a
small machine the two share the cores. ``clients/go`` (grpc-go, built into
``clients/go/bin/loadgen`` by ``make install`` when Go is installed) and
``clients/node/loadgen.js`` (@grpc/grpc-js) send the same plan at a fraction of that cost, the
Go one at the least. Both read the :class:`LoadPlan` as JSON on stdin, send the same requests
on the same schedule, measure latency from each request's scheduled send time and write the
same JSON result on stdout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudgraph.errors import ConfigurationError
from fraudgraph.service.load_generator import LoadPlan, LoadResult

CLIENTS_DIR = Path(__file__).resolve().parents[2] / "clients"
NODE_CLIENT_DIR = CLIENTS_DIR / "node"
NODE_SCRIPT = NODE_CLIENT_DIR / "loadgen.js"
GO_CLIENT_DIR = CLIENTS_DIR / "go"
GO_BINARY = GO_CLIENT_DIR / "bin" / "loadgen"
#: Seconds the process may take beyond the plan's duration (start-up, draining).
GRACE_S = 120.0


def _node_command() -> list[str] | None:
    node = shutil.which("node")
    installed = (NODE_CLIENT_DIR / "node_modules" / "@grpc" / "grpc-js").is_dir()
    return [node, str(NODE_SCRIPT)] if node and installed and NODE_SCRIPT.is_file() else None


def _go_command() -> list[str] | None:
    return [str(GO_BINARY)] if os.access(GO_BINARY, os.X_OK) else None


@dataclass(frozen=True, slots=True)
class _Program:
    """How to start one load generator, and what to tell a user who lacks it."""

    label: str
    command: Callable[[], list[str] | None]
    cwd: Path
    missing: str

    def require(self) -> list[str]:
        """The command that starts it; an error saying what is missing when it cannot."""
        command = self.command()
        if command is None:
            raise ConfigurationError(self.missing)
        return command


_PROGRAMS = {
    "go": _Program(
        "Go", _go_command, GO_CLIENT_DIR,
        "the Go load generator needs clients/go/bin/loadgen, built by `make install` when Go "
        "is installed; or use --client node",
    ),
    "node": _Program(
        "Node", _node_command, NODE_CLIENT_DIR,
        "the Node load generator needs node and `npm ci` in clients/node (make install); or "
        "use --client python",
    ),
}  # fmt: skip


class ProcessLoadGenerator:
    """Runs a :class:`LoadPlan` with the ``client`` load generator ("go" or "node") in a
    process of its own and reads its JSON result."""

    def __init__(self, plan: LoadPlan, client: str) -> None:
        self._spec = self._program(client)
        self.plan = plan
        self.client = client

    @staticmethod
    def available(client: str) -> bool:
        """True when the ``client`` load generator can run here."""
        return _PROGRAMS[client].command() is not None

    @staticmethod
    def require(client: str) -> list[str]:
        """The command that starts the ``client`` load generator; an error saying what is
        missing when it cannot run here."""
        return ProcessLoadGenerator._program(client).require()

    @staticmethod
    def _program(client: str) -> _Program:
        if client not in _PROGRAMS:
            known = ", ".join(_PROGRAMS)
            raise ConfigurationError(f"unknown load generator {client!r}: one of {known}")
        return _PROGRAMS[client]

    def run(self) -> LoadResult:
        """Run the plan to completion (blocking)."""
        program = self._spec
        command = program.require()
        plan_text = json.dumps(dataclasses.asdict(self.plan))
        done = subprocess.run(
            command, input=plan_text, capture_output=True, text=True,
            timeout=self.plan.warmup_s + self.plan.duration_s + GRACE_S, check=False,
            cwd=program.cwd,
        )  # fmt: skip
        if done.returncode != 0:
            raise ConfigurationError(
                f"the {program.label} load generator failed: {done.stderr.strip()}"
            )
        return self.parse(done.stdout)

    @staticmethod
    def parse(text: str) -> LoadResult:
        """The :class:`LoadResult` of a load generator's JSON output."""
        body: dict[str, Any] = json.loads(text)
        return LoadResult(
            client_ms=[float(v) for v in body["client_ms"]],
            server_ms=[float(v) for v in body["server_ms"]],
            errors={str(k): int(v) for k, v in body["errors"].items()},
            sent=int(body["sent"]),
            elapsed_s=float(body["elapsed_s"]),
            actions={str(k): int(v) for k, v in body["actions"].items()},
            unmeasured=int(body.get("unmeasured", 0)),
        )
