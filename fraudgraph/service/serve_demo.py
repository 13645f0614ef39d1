"""The serving part of ``make demo``: rings, a promoted GNN, the gRPC server and its decisions.

After the world is in Neo4j: detect and persist rings, train and promote a small GNN on the
graph (into the demo's own registry, unless it already holds a promoted model), start the
service in this process on a free port, send sample transactions and applications through
:class:`ScoringClient` (what ``fraudgraph score`` uses) and print the decisions.
"""

from __future__ import annotations

import secrets
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from neo4j import Driver
from rich.console import Console

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.gnn.registry import ModelRegistry
from fraudgraph.graph.pyg_export import ExportedGraph, GraphExporter
from fraudgraph.rings.ring_detector import RingConfig, RingDetector
from fraudgraph.rings.ring_scorer import RingScorer
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.scoring_client import ScoringClient
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.service.serving_graph import ServingGraph
from fraudgraph.service.serving_model_trainer import ServingModelTrainer
from fraudgraph.service.token_authority import TokenAuthority
from fraudgraph.settings import Settings
from fraudgraph.synth.reader import read_labels

TARGET = "Account"
Sample = tuple[str, str, pb.Transaction | pb.Application]


class ServeDemo:
    """Runs the serving steps of the demo against an ingested world."""

    def __init__(self, driver: Driver, settings: Settings, console: Console) -> None:
        self._driver = driver
        self._settings = settings
        self._console = console
        self._registry = ModelRegistry((settings.var_dir / "demo" / "models").resolve())

    def run(self, world: Path, first_step: int) -> None:
        """Steps ``first_step`` .. ``first_step + 3`` of the demo."""
        self._detect_rings(first_step)
        exported = self._model(world, first_step + 1)
        with tempfile.TemporaryDirectory(prefix="fraudgraph-demo-") as tmp:
            runtime, token = self._start(exported, Path(tmp), first_step + 2)
            try:
                self._decisions(runtime, token, first_step + 3)
            finally:
                runtime.stop(1.0)

    def _detect_rings(self, step: int) -> None:
        self._console.rule(f"{step}. fraud rings")
        s = self._settings
        scorer = RingScorer.load(s.models_dir / "rings_calibration.json")
        result = RingDetector(RingConfig.from_settings(s), scorer).detect(
            self._driver, s.neo4j_database
        )
        self._console.print(
            f"{result.candidates} candidate groups, {len(result.rings)} rings flagged and saved"
        )

    def _model(self, world: Path, step: int) -> ExportedGraph:
        self._console.rule(f"{step}. GNN model for the service")
        started = time.perf_counter()
        exported = GraphExporter(self._driver, self._settings.neo4j_database).export()
        promoted = self._registry.promoted_version()
        if promoted is None:
            labels = {x.id: int(x.is_fraud) for x in read_labels(world) if x.node_type == "account"}
            record = ServingModelTrainer(self._registry, epochs=25).train(exported, TARGET, labels)
            self._registry.promote(record.version)
            auprc = record.metrics.get("test_auprc")
            self._console.print(
                f"trained and promoted {record.version} on {TARGET} nodes "
                f"(test AUPRC {auprc:.3f}) in {time.perf_counter() - started:.1f} s "
                f"under {self._registry.root}"
            )
        else:
            self._console.print(f"using the promoted model {promoted} of {self._registry.root}")
        return exported

    def _start(self, exported: ExportedGraph, tmp: Path, step: int) -> tuple[ServiceRuntime, str]:
        self._console.rule(f"{step}. gRPC service")
        token = secrets.token_urlsafe(16)
        settings = self._settings.model_copy(
            update={
                "service_port": 0,
                "service_metrics_port": 0,
                "service_token_digests": {TokenAuthority.digest(token): "score,review"},
                "service_model_poll_s": 0.5,
            }
        )
        options = replace(RuntimeOptions.from_settings(settings), outbox_path=tmp / "outbox.db",
                          models_dir=self._registry.root)  # fmt: skip
        runtime = ServiceRuntime(
            options, self._driver, IdentifierExtractor(),
            graph_source=lambda target: ServingGraph.project(exported, target),
        )  # fmt: skip
        port = runtime.start()
        deadline = time.monotonic() + 300.0
        while runtime.watcher.attempts == 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # the watcher scores the graph in its thread, then swaps
        self._console.print(
            f"listening on 127.0.0.1:{port}; risk index of {len(runtime.index):,} keys; "
            f"scoring with model {runtime.scorer.version}"
        )
        return runtime, token

    def _decisions(self, runtime: ServiceRuntime, token: str, step: int) -> None:
        self._console.rule(f"{step}. decisions (fraudgraph score client over gRPC)")
        run = f"demo-{int(time.time())}"
        with ScoringClient(f"127.0.0.1:{runtime.port}", token) as client:
            for name, request_id, message in self._samples(runtime, run):
                if isinstance(message, pb.Transaction):
                    decision = client.score_transaction(request_id, message)
                else:
                    decision = client.score_application(request_id, message)
                action = pb.Action.Name(decision.action).removeprefix("ACTION_")
                self._console.print(
                    f"[bold]{name}[/bold]: {action} score {decision.score:.3f}"
                    f" ring {decision.ring_id or '-'} model {decision.model_version}"
                    f" ({decision.server_latency_ms:.1f} ms in the server)",
                    highlight=False,
                )
                for r in decision.reasons:
                    self._console.print(f"    {r.code}: {r.en} / {r.zh}", highlight=False)

    @staticmethod
    def _samples(runtime: ServiceRuntime, run: str) -> list[Sample]:
        ring_accounts = runtime.index.riskiest("Account", ring=True, limit=1)
        ring_customers = runtime.index.riskiest("Customer", ring=True, limit=1)
        shared = runtime.index.riskiest("Device", ring=False, limit=1)
        samples: list[Sample] = []

        def txn(name: str, payer: str, payee: str, amount: float, memo: str = "",
                device: str = "") -> None:  # fmt: skip
            message = pb.Transaction(transaction_id=f"{run}-{len(samples)}", payer_account=payer,
                                     payee_account=payee, amount=amount, currency="CNY",
                                     memo=memo, device_id=device)  # fmt: skip
            message.timestamp.GetCurrentTime()
            samples.append((name, f"{run}-r{len(samples)}", message))

        txn("ordinary transfer", "AC-DEMO-NEW-1", "AC-DEMO-NEW-2", 320.0, memo="午饭 AA")
        for key, risk in ring_accounts:
            txn(f"from a member of {risk.ring_id}", key.split(":", 1)[1], "AC-DEMO-NEW-3",
                48_000.0, memo="还款 请尽快处理")  # fmt: skip
        for key, risk in shared:
            txn(f"device shared by {risk.links} parties", "AC-DEMO-NEW-4", "AC-DEMO-NEW-5",
                900.0, device=key.split(":", 1)[1])  # fmt: skip
        for key, risk in ring_customers:
            app = pb.Application(application_id=f"{run}-app", customer_id=key.split(":", 1)[1],
                                 product=pb.PRODUCT_LOAN, name="张伟", phone="13912345678",
                                 income=8_000.0, amount=150_000.0, remarks="急用钱")  # fmt: skip
            app.created_at.GetCurrentTime()
            samples.append((f"application by a member of {risk.ring_id}", f"{run}-ra", app))
        bad = pb.Application(application_id=f"{run}-bad", customer_id="C-DEMO-NEW",
                             product=pb.PRODUCT_CARD, name="Li Na", id_number="110101199003070000",
                             income=5_000.0, amount=20_000.0)  # fmt: skip
        bad.created_at.GetCurrentTime()
        samples.append(("application, invalid ID number", f"{run}-rb", bad))
        return samples
