"""The rings stage's CLI wiring."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from fraudgraph.rings.commands import register


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_register_adds_the_rings_group_and_screen() -> None:
    runner = CliRunner()
    rings_help = runner.invoke(_app(), ["rings", "--help"])
    assert rings_help.exit_code == 0
    for name in ("detect", "list", "show", "review"):
        assert name in rings_help.output
    screen_help = runner.invoke(_app(), ["screen", "--help"])
    assert screen_help.exit_code == 0
    assert "--from" in screen_help.output


def test_review_requires_decision_and_reviewer() -> None:
    result = CliRunner().invoke(_app(), ["rings", "review", "RING-X"])
    assert result.exit_code != 0
    assert "--decision" in result.output or "Missing option" in result.output
