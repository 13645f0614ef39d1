"""Settings: the standard Neo4j variables, the local/remote decision, validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fraudgraph.settings import Settings


def test_standard_neo4j_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://abc.databases.neo4j.io")
    monkeypatch.setenv("NEO4J_USER", "alice")
    monkeypatch.setenv("NEO4J_PASSWORD", "s3cret-pw")
    monkeypatch.setenv("NEO4J_DATABASE", "fraud")
    settings = Settings()
    assert settings.neo4j_user == "alice"
    assert settings.neo4j_password.get_secret_value() == "s3cret-pw"
    assert settings.neo4j_database == "fraud"
    assert settings.neo4j_is_local is False  # a remote server: nothing local is started
    assert "s3cret-pw" not in repr(settings)


def test_prefixed_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDGRAPH_NEO4J_URI", "bolt://localhost:7999")
    monkeypatch.setenv("FRAUDGRAPH_VAR_DIR", "/tmp/fg-var")
    settings = Settings()
    assert settings.neo4j_bolt_port == 7999
    assert settings.neo4j_is_local is True
    assert settings.neo4j_home == Path("/tmp/fg-var/neo4j/7999")


def test_local_server_can_be_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDGRAPH_NEO4J_MANAGE_LOCAL", "false")
    assert Settings(neo4j_uri="bolt://127.0.0.1:7687").neo4j_is_local is False


@pytest.mark.parametrize("uri", ["http://127.0.0.1:7474", "bolt://", "127.0.0.1:7687"])
def test_bad_uri_is_rejected(uri: str) -> None:
    with pytest.raises(ValidationError, match="URI"):
        Settings(neo4j_uri=uri)
