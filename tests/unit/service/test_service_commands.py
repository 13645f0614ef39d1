"""The service's CLI commands are registered and parse their options."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from fraudgraph.service.commands import bench_serve, register


def test_register_adds_serve_and_score() -> None:
    app = typer.Typer()
    register(app)
    app.command("bench-serve")(bench_serve)
    runner = CliRunner()
    for name, option in (("serve", "--identifiers-only"), ("score", "--request-id"),
                         ("bench-serve", "--json")):  # fmt: skip
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert option in result.output


def test_score_reports_an_unreachable_service() -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # two commands: typer keeps sub-command names
    result = CliRunner().invoke(
        app,
        ["score", "--payer", "A1", "--payee", "A2", "--amount", "5", "--request-id", "r1",
         "--target", "127.0.0.1:9", "--timeout", "0.5"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "UNAVAILABLE" in result.output or "DEADLINE_EXCEEDED" in result.output
