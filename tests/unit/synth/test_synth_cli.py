"""`fraudgraph synth` command: options reach the generator; bad values are reported."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from fraudgraph.synth.commands import register


def make_app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:
        """Second command so that typer keeps sub-command names."""

    return app


def test_synth_command_writes_a_world(tmp_path: Path) -> None:
    out = tmp_path / "world"
    arguments = ["synth", "--out", str(out), "--applications", "150", "--transactions", "1500"]
    arguments += ["--seed", "2", "--start", "2024-02-01", "--days", "40"]
    result = CliRunner().invoke(make_app(), arguments)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2
    assert manifest["start"] == "2024-02-01T00:00:00+08:00"
    assert manifest["end"] == "2024-03-12T00:00:00+08:00"
    assert manifest["counts"]["applications"] == 150
    assert "applications=150" in result.output


def test_synth_command_rejects_a_too_small_world(tmp_path: Path) -> None:
    arguments = ["synth", "--out", str(tmp_path), "--applications", "3"]
    result = CliRunner().invoke(make_app(), arguments)
    assert result.exit_code != 0
    assert "applications" in result.output
    assert not (tmp_path / "manifest.json").exists()
