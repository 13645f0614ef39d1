"""The ``fraudgraph console`` command's wiring."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from fraudgraph.console.commands import register
from fraudgraph.errors import ConfigurationError


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # two commands, so "console" stays a subcommand
    return app


def test_console_takes_host_and_port() -> None:
    result = CliRunner().invoke(_app(), ["console", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output
    assert "--port" in result.output


def test_console_refuses_to_start_without_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDGRAPH_SERVICE_TOKEN_DIGESTS", "{}")
    result = CliRunner().invoke(_app(), ["console", "--port", "0"])
    assert isinstance(result.exception, ConfigurationError)
    assert "FRAUDGRAPH_SERVICE_TOKEN_DIGESTS" in str(result.exception)
