"""Shared fixtures: a throw-away Neo4j for the test session, and the public datasets folder.

The session's Neo4j is the project's own local server, started on a free port with a
temporary data folder and stopped at the end, so a developer's server is never touched. Set
``FRAUDGRAPH_TEST_NEO4J_URI`` (and ``NEO4J_PASSWORD``) to run the integration tests against
another Neo4j 5.x server instead: they wipe its database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver
from pydantic import SecretStr

from fraudgraph.graph.admin import wipe_graph
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.scratch_neo4j import ScratchNeo4j, free_port
from fraudgraph.settings import Settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATASETS_DIR = PROJECT_DIR.parent / "shared" / "datasets"
TEST_PASSWORD = "fraudgraph-test-pw"


def local_settings(var_dir: Path, port: int | None = None) -> Settings:
    """Settings for a private local Neo4j under ``var_dir``."""
    return Settings(
        neo4j_uri=f"bolt://127.0.0.1:{port or free_port()}",
        neo4j_password=SecretStr(TEST_PASSWORD),
        var_dir=var_dir,
        neo4j_heap="768m",
        neo4j_pagecache="256m",
    )


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    external = os.environ.get("FRAUDGRAPH_TEST_NEO4J_URI")
    if external:
        yield Settings(neo4j_uri=external, neo4j_manage_local=False)
        return
    var_dir = tmp_path_factory.mktemp("neo4j-var")
    with ScratchNeo4j(var_dir, TEST_PASSWORD, http=True) as settings:  # http: Neo4j Browser
        yield settings


@pytest.fixture(scope="session")
def session_driver(neo4j_settings: Settings) -> Iterator[Driver]:
    driver = create_driver(neo4j_settings)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def driver(session_driver: Driver, neo4j_settings: Settings) -> Driver:
    """The session's driver over an empty database."""
    wipe_graph(session_driver, neo4j_settings.neo4j_database)
    return session_driver


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """../shared/datasets: skipped when absent on a user's machine, a failure under CI."""
    if DATASETS_DIR.is_dir():
        return DATASETS_DIR
    message = f"public datasets folder not found at {DATASETS_DIR}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (it is always present under CI)")
    pytest.skip(message)
