"""CLI: models list/show/promote and the bench sub-app registration."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from torch_geometric.data import Data
from typer.testing import CliRunner

from fraudgraph.gnn.commands import bench_app, register
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.registry import ModelRegistry


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("FRAUDGRAPH_VAR_DIR", str(tmp_path / "var"))
    root = typer.Typer()
    register(root)
    return root


def _register_model(models_dir: Path, data: Data) -> str:
    kwargs = {"in_channels": 4, "hidden_channels": 8, "num_layers": 1}
    transform = InputTransform("raw")
    transform.fit(data.x, data.edge_index)
    record = ModelRegistry(models_dir).save(
        SepGNN(**kwargs),
        config={"model": {"class": "SepGNN", "kwargs": kwargs}, "dataset": {"name": "toy"}},
        transform=transform,
        feature_schema={},
        metrics={"test_auprc": 0.42},
        fingerprint="f00d",
    )
    return record.version


def test_models_list_show_promote(app: typer.Typer, tmp_path: Path, planted_graph: Data) -> None:
    runner = CliRunner()
    empty = runner.invoke(app, ["models", "list"])
    assert empty.exit_code == 0
    assert "no models" in empty.output
    version = _register_model((tmp_path / "var" / "models").resolve(), planted_graph)
    listed = runner.invoke(app, ["models", "list"])
    assert f"  {version}  dataset=toy  test_auprc=0.42" in listed.output
    shown = runner.invoke(app, ["models", "show", version])
    assert shown.exit_code == 0
    assert '"fingerprint": "f00d"' in shown.output
    promoted = runner.invoke(app, ["models", "promote", version])
    assert promoted.exit_code == 0
    assert f"* {version}" in runner.invoke(app, ["models", "list"]).output
    missing = runner.invoke(app, ["models", "promote", "v0999"])
    assert missing.exit_code == 1


def test_bench_and_train_are_registered(app: typer.Typer) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["bench", "gnn", "--help"]).exit_code == 0
    assert "--distributed" in runner.invoke(app, ["train", "--help"]).output
    assert isinstance(bench_app, typer.Typer)
