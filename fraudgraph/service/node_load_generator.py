"""The benchmark's default load generator: ``clients/node/loadgen.js`` in a Node.js process.

A Python asyncio gRPC client spends more CPU per call than the server it measures, and on a
small machine the two share the cores. The Node client (@grpc/grpc-js) sends the same plan at
a fraction of that cost, so the benchmark measures the server rather than its own client.
Latency is measured from each request's scheduled send time (see loadgen.js).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from fraudgraph.errors import ConfigurationError
from fraudgraph.service.load_generator import LoadPlan, LoadResult

NODE_CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "node"
SCRIPT = NODE_CLIENT_DIR / "loadgen.js"
#: Seconds the Node process may take beyond the plan's duration (start-up, draining).
GRACE_S = 120.0


class NodeLoadGenerator:
    """Runs a :class:`LoadPlan` with the Node.js load generator and reads its JSON result."""

    def __init__(self, plan: LoadPlan, node: str | None = None) -> None:
        self.plan = plan
        self._node = node or shutil.which("node")

    @staticmethod
    def available() -> bool:
        """True when Node.js and the client's installed dependencies are present."""
        installed = (NODE_CLIENT_DIR / "node_modules" / "@grpc" / "grpc-js").is_dir()
        return shutil.which("node") is not None and installed and SCRIPT.is_file()

    def run(self) -> LoadResult:
        """Run the plan to completion (blocking)."""
        if self._node is None or not self.available():
            raise ConfigurationError(
                "the Node load generator needs node and `npm ci` in clients/node "
                "(make install); or use the Python client"
            )
        plan_text = json.dumps(dataclasses.asdict(self.plan))
        done = subprocess.run(
            [self._node, str(SCRIPT)], input=plan_text, capture_output=True, text=True,
            timeout=self.plan.warmup_s + self.plan.duration_s + GRACE_S, check=False,
            cwd=NODE_CLIENT_DIR,
        )  # fmt: skip
        if done.returncode != 0:
            raise ConfigurationError(f"the Node load generator failed: {done.stderr.strip()}")
        return self.parse(done.stdout)

    @staticmethod
    def parse(text: str) -> LoadResult:
        """The :class:`LoadResult` of loadgen.js's JSON output."""
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
