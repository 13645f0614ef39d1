"""CLI commands of the service: ``fraudgraph serve``, ``fraudgraph score`` and ``bench serve``.

Heavy imports (grpc, spaCy, the generated protos) happen inside the commands so that
``fraudgraph --help`` stays fast.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from fraudgraph.settings import Settings


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``score`` to the ``fraudgraph`` command."""
    app.command("serve")(serve)
    app.command("score")(score)


def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default: settings)."),
    port: int | None = typer.Option(None, help="Port to bind (default: settings)."),
    nlp_models: bool | None = typer.Option(
        None, "--nlp-models/--identifiers-only", help="Load the spaCy NER models for free text."
    ),
    processes: int | None = typer.Option(
        None, min=1, help="Server processes sharing the port (default: settings, 1)."
    ),
) -> None:
    """Run the real-time gRPC scoring service until SIGINT/SIGTERM."""
    from fraudgraph.service.json_log_formatter import JsonLogFormatter
    from fraudgraph.settings import Settings

    JsonLogFormatter.install()
    settings = Settings()
    updates = {
        k: v
        for k, v in {
            "service_host": host,
            "service_port": port,
            "service_use_nlp_models": nlp_models,
            "service_processes": processes,
        }.items()
        if v is not None
    }
    settings = settings.model_copy(update=updates)
    if settings.service_processes > 1:
        _serve_processes(settings)
    else:
        _serve_here(settings)


def _serve_here(settings: Settings) -> None:
    """One server, in this process."""
    from fraudgraph.service.grpc_experiments import GrpcExperiments

    # Before anything loads gRPC: its core reads the experiments when it initialises.
    if not GrpcExperiments.export(settings.service_grpc_experiments):
        typer.echo("warning: gRPC was loaded before service_grpc_experiments was set", err=True)
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
    from fraudgraph.service.service_worker import ServiceWorker

    driver = create_driver(settings)
    runtime = ServiceRuntime(
        RuntimeOptions.from_settings(settings),
        driver,
        ServiceWorker.extractor(settings.service_use_nlp_models),
    )
    bound = runtime.start()
    typer.echo(f"fraudgraph service listening on {settings.service_host}:{bound}", err=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        runtime.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runtime.wait()
    driver.close()


def _serve_processes(settings: Settings) -> None:
    """``service_processes`` servers on one port, supervised by this process."""
    import threading

    from fraudgraph.service.service_runtime import RuntimeOptions
    from fraudgraph.service.service_supervisor import ServiceSupervisor
    from fraudgraph.service.service_worker import WorkerSpec

    spec = WorkerSpec(
        settings, RuntimeOptions.from_settings(settings),
        nlp_models=settings.service_use_nlp_models,
    )  # fmt: skip
    supervisor = ServiceSupervisor(spec, settings.service_processes)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=supervisor.stop, name="stop").start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    bound = supervisor.start()
    typer.echo(
        f"fraudgraph service listening on {settings.service_host}:{bound} "
        f"({settings.service_processes} processes)",
        err=True,
    )
    typer.echo(f"process ports (one each): {', '.join(supervisor.addresses())}", err=True)
    supervisor.wait()
    supervisor.stop()  # again, from here: also ends any worker spawned while it was stopping


def score(
    payer: str = typer.Option(..., help="Payer account id."),
    payee: str = typer.Option(..., help="Payee account id."),
    amount: float = typer.Option(..., help="Amount."),
    request_id: str = typer.Option(..., help="Idempotency key of this request."),
    transaction_id: str | None = typer.Option(None, help="Defaults to the request id."),
    memo: str = typer.Option("", help="Free-text memo."),
    device_id: str = typer.Option("", help="Device id."),
    ip: str = typer.Option("", help="Client IP."),
    target: str = typer.Option("127.0.0.1:50051", help="host:port of the service."),
    token: str = typer.Option("", envvar="FRAUDGRAPH_TOKEN", help="Bearer token."),
    ca: Path | None = typer.Option(None, help="CA certificate: use TLS."),
    timeout: float = typer.Option(2.0, help="Deadline in seconds."),
) -> None:
    """Score one transaction and print the decision as JSON."""
    import grpc
    from google.protobuf.json_format import MessageToDict

    from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
    from fraudgraph.service.scoring_client import ScoringClient

    txn = pb.Transaction(transaction_id=transaction_id or request_id, payer_account=payer,
                         payee_account=payee, amount=amount, memo=memo, device_id=device_id,
                         ip=ip)  # fmt: skip
    txn.timestamp.GetCurrentTime()
    with ScoringClient(target, token, None if ca is None else ca.read_bytes()) as client:
        try:
            decision = client.score_transaction(request_id, txn, timeout)
        except grpc.RpcError as exc:
            typer.echo(f"error: {exc.code().name}: {exc.details()}", err=True)
            raise typer.Exit(1) from exc
    payload = MessageToDict(decision, preserving_proto_field_name=True)
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def bench_serve(
    json_file: Path | None = typer.Option(None, "--json", help="Also write the report here."),
    rate: float = typer.Option(1000.0, help="Requests per second to send."),
    duration: float = typer.Option(20.0, help="Seconds of measured load."),
    concurrency: int = typer.Option(64, help="Most calls in flight."),
    applications: int = typer.Option(100_000, help="Size of the synthetic world."),
    transactions: int = typer.Option(1_000_000, help="Size of the synthetic world."),
    neo4j: bool = typer.Option(False, help="Load the risk index from the configured Neo4j."),
    neo4j_uri: str | None = typer.Option(None, help="Neo4j to load from (implies --neo4j)."),
    models_dir: Path | None = typer.Option(None, help="Serve this registry's promoted GNN."),
    streams: int = typer.Option(0, help="Send over N ScoreStream streams (0: unary calls)."),
    workers: int = typer.Option(4, help="Server threads."),
    processes: int = typer.Option(2, min=1, help="Server processes sharing the port."),
    client: str = typer.Option("go", help="Load generator: go (default), node or python."),
    kernel_spread: bool = typer.Option(
        False, help="Connect to the shared port only (the kernel picks each connection's process)."
    ),
    flush_batch: int = typer.Option(5000, help="Outbox events per Neo4j transaction."),
    flush_min_s: float = typer.Option(2.0, help="Least seconds between outbox flushes."),
    warmup_s: float = typer.Option(
        10.0, help="Unmeasured load at the full rate first (with Neo4j, then flushed)."
    ),
    client_warmup_s: float = typer.Option(
        2.0, help="Unmeasured first seconds of the measured run's own client (same connections)."
    ),
) -> None:
    """Benchmark the scoring service under load (register as ``bench serve``)."""
    from fraudgraph.service.serve_benchmark import BenchConfig, ServeBenchmark
    from fraudgraph.settings import Settings

    config = BenchConfig(applications=applications, transactions=transactions, rate=rate,
                         duration_s=duration, concurrency=concurrency, workers=workers,
                         use_neo4j=neo4j or neo4j_uri is not None, neo4j_uri=neo4j_uri,
                         models_dir=models_dir, streams=streams, client=client,
                         processes=processes, spread=not kernel_spread,
                         flush_batch=flush_batch, flush_min_s=flush_min_s,
                         warmup_s=warmup_s, client_warmup_s=client_warmup_s)  # fmt: skip
    report = ServeBenchmark(config, Settings()).run()
    text = json.dumps(report, ensure_ascii=False)
    if json_file is not None:
        json_file.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
