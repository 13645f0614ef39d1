"""Neo4j Browser, served by the local server's HTTP connector on loopback, offered by the CLI."""

from __future__ import annotations

import urllib.request

import pytest
from typer.testing import CliRunner

from fraudgraph.cli import app
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.settings import Settings

pytestmark = pytest.mark.integration


@pytest.fixture
def local(neo4j_settings: Settings) -> Settings:
    if not neo4j_settings.neo4j_is_local or not neo4j_settings.neo4j_http_port:
        pytest.skip("the session's Neo4j is not the bundled one with HTTP on")
    return neo4j_settings


def test_browser_page_is_served_on_loopback(local: Settings) -> None:
    server = LocalNeo4j(local)
    assert server.browser_url == f"http://127.0.0.1:{local.neo4j_http_port}/browser/"
    with urllib.request.urlopen(server.browser_url, timeout=10) as response:
        assert response.status == 200
        page = response.read().decode("utf-8", errors="replace")
    assert "<title>Neo4j Browser</title>" in page
    assert server.browser_available()
    # The discovery document the Browser reads points it at Bolt on loopback.
    root = f"http://127.0.0.1:{local.neo4j_http_port}/"
    with urllib.request.urlopen(root, timeout=10) as response:
        assert f"bolt://127.0.0.1:{local.neo4j_bolt_port}" in response.read().decode()


def test_neo4j_start_offers_the_browser(local: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", local.neo4j_uri)
    monkeypatch.setenv("NEO4J_PASSWORD", local.neo4j_password.get_secret_value())
    monkeypatch.setenv("FRAUDGRAPH_VAR_DIR", str(local.var_dir))
    monkeypatch.setenv("FRAUDGRAPH_NEO4J_HTTP_PORT", str(local.neo4j_http_port))
    result = CliRunner().invoke(app, ["neo4j", "start"])  # already running: harmless
    assert result.exit_code == 0, result.output
    assert f"Neo4j Browser: http://127.0.0.1:{local.neo4j_http_port}/browser/" in result.output


def test_browser_port_off_gives_no_url(local: Settings) -> None:
    off = LocalNeo4j(local.model_copy(update={"neo4j_http_port": 0}))
    assert off.browser_url is None
    assert off.browser_available() is False
