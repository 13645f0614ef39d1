"""Runs the notebooks (nbmake) against a real Neo4j holding a small synthetic world.

The first notebook to run starts a throw-away local Neo4j (or uses the server named by
``FRAUDGRAPH_TEST_NEO4J_URI``, whose database is wiped), loads a sample world into it and runs
ring detection. The kernels are child processes: they find the server through the standard
environment variables that ``Settings()`` reads, exported here before they start.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from pydantic import SecretStr

from fraudgraph.explore.sample_world import SampleWorld
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.scratch_neo4j import ScratchNeo4j
from fraudgraph.settings import Settings

PASSWORD = "fraudgraph-notebooks-pw"
APPLICATIONS = 400


class _NotebookWorld:
    """Started on first use, stopped when the pytest session ends."""

    def __init__(self) -> None:
        self.scratch: ScratchNeo4j | None = None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None
        self.ready = False

    def start(self) -> None:
        if self.ready:
            return
        self.tmp = tempfile.TemporaryDirectory(prefix="fraudgraph-notebooks-")
        var_dir = Path(self.tmp.name)
        external = os.environ.get("FRAUDGRAPH_TEST_NEO4J_URI")
        if external:
            settings = Settings(neo4j_uri=external, neo4j_manage_local=False, var_dir=var_dir)
        else:
            self.scratch = ScratchNeo4j(var_dir, PASSWORD)
            settings = self.scratch.__enter__()
        driver = create_driver(settings)
        try:
            SampleWorld(settings, APPLICATIONS).load(driver)
        finally:
            driver.close()
        _export(settings)
        self.ready = True

    def stop(self) -> None:
        if self.scratch is not None:
            self.scratch.__exit__(None, None, None)
        if self.tmp is not None:
            self.tmp.cleanup()


def _export(settings: Settings) -> None:
    password = settings.neo4j_password
    os.environ.update(
        {
            "NEO4J_URI": settings.neo4j_uri,
            "NEO4J_PASSWORD": password.get_secret_value()
            if isinstance(password, SecretStr)
            else str(password),
            "NEO4J_DATABASE": settings.neo4j_database,
            "FRAUDGRAPH_VAR_DIR": str(settings.var_dir),
            "FRAUDGRAPH_NEO4J_MANAGE_LOCAL": "false",  # the kernels never start a server
        }
    )


_WORLD = _NotebookWorld()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.path.suffix == ".ipynb":
        _WORLD.start()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _WORLD.stop()
