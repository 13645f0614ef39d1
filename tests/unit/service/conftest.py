"""An in-process scoring server with no Neo4j behind it (the graph is unreachable)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.scorer import IdentifierRisk
from fraudgraph.service.service_runtime import RuntimeOptions, ServiceRuntime
from fraudgraph.service.token_authority import TokenAuthority
from fraudgraph.settings import Settings

TOKENS = {"score-token": "score", "review-token": "review", "admin-token": "admin"}
RING_ACCOUNT = "acct-ring-1"
SHARED_PHONE = "+8613900001111"


def auth(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def offline_settings(var_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "neo4j_uri": "bolt://127.0.0.1:9",  # discard port: nothing listens
        "neo4j_connection_timeout_s": 0.5,
        "var_dir": var_dir,
        "service_port": 0,
        "service_token_digests": {TokenAuthority.digest(t): s for t, s in TOKENS.items()},
        "service_index_refresh_s": 3600.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def extractor() -> IdentifierExtractor:
    return IdentifierExtractor()


@pytest.fixture
def runtime(tmp_path: Path, extractor: IdentifierExtractor) -> Iterator[ServiceRuntime]:
    settings = offline_settings(tmp_path)
    driver = create_driver(settings)
    rt = ServiceRuntime(RuntimeOptions.from_settings(settings), driver, extractor)
    rt.start()
    rt.index.replace_all(
        {
            f"Account:{RING_ACCOUNT}": IdentifierRisk(ring_id="ring-7", ring_score=0.9),
            f"Phone:{SHARED_PHONE}": IdentifierRisk(links=12),
        }
    )
    try:
        yield rt
    finally:
        rt.stop(0.5)
        driver.close()


@pytest.fixture
def channel(runtime: ServiceRuntime) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{runtime.port}") as ch:
        yield ch


@pytest.fixture(scope="module")
def runtime_and_channel(
    tmp_path_factory: pytest.TempPathFactory, extractor: IdentifierExtractor
) -> Iterator[tuple[ServiceRuntime, grpc.Channel]]:
    """One server for a whole module (the property tests make thousands of calls)."""
    settings = offline_settings(tmp_path_factory.mktemp("svc"))
    driver = create_driver(settings)
    rt = ServiceRuntime(RuntimeOptions.from_settings(settings), driver, extractor)
    rt.start()
    rt.index.replace_all({})
    try:
        with grpc.insecure_channel(f"127.0.0.1:{rt.port}") as ch:
            yield rt, ch
    finally:
        rt.stop(0.5)
        driver.close()
