"""A Node.js client (@grpc/grpc-js) calls the service over mutual TLS."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from neo4j import Driver
from pydantic import SecretStr

from fraudgraph._proto.fraudgraph.v1 import scoring_pb2 as pb
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.settings import Settings
from tests.conftest import PROJECT_DIR
from tests.unit.service.conftest import offline_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CLIENT_DIR = PROJECT_DIR / "clients" / "node"


def _run(args: list[str], cwd: Path, **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def node_client() -> Path:
    """clients/node with its locked dependencies installed by ``npm ci``."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: the cross-language test needs Node.js")
    done = _run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], CLIENT_DIR)
    assert done.returncode == 0, done.stderr
    return CLIENT_DIR / "score_client.js"


def _openssl(*args: str, cwd: Path) -> None:
    done = _run(["openssl", *args], cwd)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def certificates(tmp_path: Path) -> Path:
    """A throw-away CA, a server certificate for 127.0.0.1 and a client certificate."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    d = tmp_path / "pki"
    d.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.pem", "-days", "1", "-subj", "/CN=fraudgraph test CA", cwd=d)  # fmt: skip
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                 f"{name}.csr", "-subj", f"/CN={name}", cwd=d)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "1", "-extfile", "san.ext",
                 cwd=d)  # fmt: skip
    return d


@pytest.fixture
def tls_runtime(
    driver: Driver, neo4j_settings: Settings, certificates: Path, tmp_path: Path
) -> Iterator[ServiceRuntime]:
    settings = offline_settings(
        tmp_path / "svc", neo4j_uri=neo4j_settings.neo4j_uri,
        neo4j_password=SecretStr(neo4j_settings.neo4j_password.get_secret_value()),
        service_tls_cert=certificates / "server.pem", service_tls_key=certificates / "server.key",
        service_tls_client_ca=certificates / "ca.pem",
    )  # fmt: skip
    runtime = ServiceRuntime(RuntimeOptions.from_settings(settings), driver, IdentifierExtractor())
    runtime.start()
    try:
        yield runtime
    finally:
        runtime.stop(0.5)


def test_node_client_scores_and_reviews_over_mutual_tls(
    node_client: Path, tls_runtime: ServiceRuntime, certificates: Path, driver: Driver
) -> None:
    driver.execute_query(
        "CREATE (:Customer {customer_id: 'C-n'})-[:MEMBER_OF]->"
        "(:Ring {ring_id: 'R-node', status: 'open', score: 0.7})",
        database_="neo4j",
    )
    target = f"127.0.0.1:{tls_runtime.port}"
    env = {
        "PATH": str(Path(shutil.which("node") or "node").parent),
        "FRAUDGRAPH_CA": str(certificates / "ca.pem"),
        "FRAUDGRAPH_CLIENT_CERT": str(certificates / "client.pem"),
        "FRAUDGRAPH_CLIENT_KEY": str(certificates / "client.key"),
    }

    def node(method: str, body: dict[str, Any], token: str) -> dict[str, Any]:
        done = _run(["node", str(node_client), target, method, json.dumps(body)], CLIENT_DIR,
                    env={**env, "FRAUDGRAPH_TOKEN": token})  # fmt: skip
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    txn = {"transaction_id": "node-t1", "payer_account": "A1", "payee_account": "A2",
           "amount": 25.5, "memo": "hello 13800138000"}  # fmt: skip
    scored = node("ScoreTransaction", {"request_id": "node-1", "transaction": txn}, "score-token")
    assert scored["decision"]["request_id"] == "node-1"
    assert scored["decision"]["action"] == "ACTION_ALLOW"
    denied = node("ReviewRing", {"request_id": "nr-1", "ring_id": "R-node",
                                 "verdict": "VERDICT_DISMISS"}, "score-token")  # fmt: skip
    assert denied["error"]["code"] == grpc.StatusCode.PERMISSION_DENIED.value[0]
    reviewed = node("ReviewRing", {"request_id": "nr-1", "ring_id": "R-node",
                                   "verdict": "VERDICT_DISMISS"}, "review-token")  # fmt: skip
    assert reviewed["ring"]["status"] == "RING_STATUS_DISMISSED"
    assert reviewed["review_event_id"] == "R-node/nr-1"


def test_client_without_certificate_is_refused(
    tls_runtime: ServiceRuntime, certificates: Path
) -> None:
    creds = grpc.ssl_channel_credentials((certificates / "ca.pem").read_bytes())
    with grpc.secure_channel(f"127.0.0.1:{tls_runtime.port}", creds) as ch:
        call = ch.unary_unary(
            "/fraudgraph.v1.ScoringService/ScoreTransaction",
            request_serializer=pb.ScoreTransactionRequest.SerializeToString,
            response_deserializer=pb.ScoreTransactionResponse.FromString,
        )
        with pytest.raises(grpc.RpcError) as err:
            call(pb.ScoreTransactionRequest(request_id="x"), timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
