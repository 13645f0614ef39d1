"""The `fraudgraph extract` and `fraudgraph nlp eval` commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from fraudgraph.nlp.commands import register


def app() -> typer.Typer:
    application = typer.Typer()
    register(application)
    return application


def test_extract_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app(), ["extract", "电话 139-1234-5678", "--json", "--models-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(row["kind"], row["canonical"]) for row in rows] == [("PHONE", "+8613912345678")]
    assert rows[0]["provenance"]["start"] == 3


def test_extract_file_lines(tmp_path: Path) -> None:
    source = tmp_path / "texts.txt"
    source.write_text("邮箱 a@b.cn\n\nIP 10.0.0.1\n", encoding="utf-8")
    result = CliRunner().invoke(
        app(), ["extract", str(source), "--json", "--models-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [(row["provenance"]["source_id"], row["kind"]) for row in rows] == [
        ("texts.txt:1", "EMAIL"),
        ("texts.txt:3", "IP"),
    ]


def test_eval_identifiers_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    result = CliRunner().invoke(
        app(), ["nlp", "eval", "--dataset", "identifiers", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["dataset"] == "identifiers"
    assert report["invalid_reported_valid"] == 0
    assert report["overall"]["f1"] >= 99.5
