"""A promoted GNN in the real-time path, and a newly promoted one taken up under load."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import grpc
from neo4j import Driver
from pydantic import SecretStr

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.gnn.registry import ModelRegistry
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.pyg_export import GraphExporter
from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.service.serving_model_trainer import ServingModelTrainer
from fraudgraph.settings import Settings
from fraudgraph.synth.reader import read_labels, read_transactions
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world
from tests.unit.service.conftest import auth, offline_settings

DB = "neo4j"


def _world(driver: Driver, tmp_path: Path) -> Path:
    world = tmp_path / "world"
    generate_world(world, WorldConfig(applications=100, seed=5))
    init_schema(driver, DB)
    Loader(driver, DB, state_dir=tmp_path / "state", extractor=IdentifierExtractor(),
           progress=False).load(world, synth_files(world))  # fmt: skip
    return world


def _call(
    channel: grpc.Channel,
) -> grpc.UnaryUnaryMultiCallable[pb.ScoreTransactionRequest, pb.ScoreTransactionResponse]:
    return channel.unary_unary(
        "/fraudgraph.v1.ScoringService/ScoreTransaction",
        request_serializer=pb.ScoreTransactionRequest.SerializeToString,
        response_deserializer=pb.ScoreTransactionResponse.FromString,
    )


def test_new_promotion_is_served_without_dropping_requests(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    world = _world(driver, tmp_path)
    labels = {x.id: int(x.is_fraud) for x in read_labels(world) if x.node_type == "account"}
    accounts = [t.payer_account for t in read_transactions(world)][:50]
    registry = ModelRegistry(tmp_path / "var" / "models")
    trainer = ServingModelTrainer(registry, hidden=8, epochs=3)
    exported = GraphExporter(driver, DB).export()
    first = trainer.train(exported, "Account", labels, seed=1)
    second = trainer.train(exported, "Account", labels, seed=2)
    registry.promote(first.version)
    settings = offline_settings(
        tmp_path / "var", neo4j_uri=neo4j_settings.neo4j_uri, service_model_poll_s=0.2,
        neo4j_password=SecretStr(neo4j_settings.neo4j_password.get_secret_value()),
    )  # fmt: skip
    service_driver = create_driver(settings)
    runtime = ServiceRuntime(RuntimeOptions.from_settings(settings), service_driver,
                             IdentifierExtractor())  # fmt: skip
    runtime.start()
    versions: list[str] = []
    errors: list[grpc.StatusCode] = []
    stop = threading.Event()

    def load(channel: grpc.Channel) -> None:
        call, n = _call(channel), 0
        while not stop.is_set():
            payer, payee = accounts[n % 50], accounts[(n + 7) % 50]
            txn = pb.Transaction(transaction_id=f"T-{n}", payer_account=payer,
                                 payee_account=payee, amount=120.0 + n)  # fmt: skip
            txn.timestamp.GetCurrentTime()
            try:
                reply = call(pb.ScoreTransactionRequest(request_id=f"r-{n}", transaction=txn),
                             metadata=auth("score-token"), timeout=5.0)  # fmt: skip
                versions.append(reply.decision.model_version)
            except grpc.RpcError as exc:
                errors.append(exc.code())
            n += 1

    try:
        _wait_for(lambda: runtime.scorer.version == first.version)
        with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as channel:
            sender = threading.Thread(target=load, args=(channel,))
            sender.start()
            _wait_for(lambda: len(versions) >= 20)
            registry.promote(second.version)
            _wait_for(lambda: runtime.scorer.version == second.version)
            seen = len(versions)
            _wait_for(lambda: len(versions) >= seen + 20)
            stop.set()
            sender.join(10)
    finally:
        stop.set()
        runtime.stop(0.5)
        service_driver.close()
    assert errors == []
    counts = Counter(versions)
    assert set(counts) == {first.version, second.version}
    switched = versions.index(second.version)
    assert all(v == second.version for v in versions[switched:])  # no going back


def test_model_for_other_features_is_refused_and_rules_serve(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    world = _world(driver, tmp_path)
    labels = {x.id: int(x.is_fraud) for x in read_labels(world) if x.node_type == "account"}
    registry = ModelRegistry(tmp_path / "var" / "models")
    record = ServingModelTrainer(registry, hidden=8, epochs=2).train(
        GraphExporter(driver, DB).export(), "Account", labels
    )
    schema_file = record.path / "feature_schema.json"
    schema = json.loads(schema_file.read_text())
    # a model of another deployment: none of its feature columns exist in this graph
    schema["node_features"] = [f"Renamed.{name}" for name in schema["node_features"]]
    schema_file.write_text(json.dumps(schema))
    registry.promote(record.version)
    settings = offline_settings(
        tmp_path / "var", neo4j_uri=neo4j_settings.neo4j_uri, service_model_poll_s=0.2,
        neo4j_password=SecretStr(neo4j_settings.neo4j_password.get_secret_value()),
    )  # fmt: skip
    runtime = ServiceRuntime(RuntimeOptions.from_settings(settings), driver, IdentifierExtractor())
    runtime.start()
    try:
        _wait_for(lambda: runtime.watcher.seen == record.version)
        time.sleep(0.5)
        assert runtime.scorer.version == "rules-1"
    finally:
        runtime.stop(0.5)


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
