"""`fraudgraph train` end to end on a tiny AMLSim-shaped folder, then the registry commands."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from fraudgraph.gnn.commands import register
from fraudgraph.gnn.registry import ModelRegistry


def _write_amlsim_folder(folder: Path, accounts: int = 120, seed: int = 0) -> None:
    """Accounts 0-14 are fraud and pass identical small amounts round a cycle."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    fraud = set(range(15))
    rows = ["nodeid,isFraud,init_balance,fraudStep"]
    rows += [f"{i},{int(i in fraud)},{rng.uniform(100, 600):.2f},-1" for i in range(accounts)]
    (folder / "nodes.csv").write_text("\n".join(rows) + "\n")
    tx = ["sourceNodeId,targetNodeId,value,time"]
    for _ in range(900):
        a, b = rng.choice(accounts, 2, replace=False)
        tx.append(f"{a},{b},{rng.uniform(100, 600):.2f},{rng.integers(1, 100)}")
    for i in range(15):
        for _ in range(3):
            tx.append(f"{i},{(i + 1) % 15},15.50,{40 + i}")
    (folder / "transactions.csv").write_text("\n".join(tx) + "\n")


@pytest.mark.slow
def test_train_registers_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAUDGRAPH_VAR_DIR", str(tmp_path / "var"))
    folder = tmp_path / "extract"
    _write_amlsim_folder(folder)
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "train",
            "--dataset",
            str(folder),
            "--epochs",
            "15",
            "--hidden",
            "16",
            "--checkpoint-dir",
            str(tmp_path / "ckpt"),
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["version"] == "v0001"
    assert summary["metrics"]["test_auprc"] > 0.5  # planted cycle is easy to find
    registry = ModelRegistry((tmp_path / "var" / "models").resolve())
    record = registry.show("v0001")
    assert record.feature_schema["directed"] is True
    assert record.feature_schema["edge_features"] == ["log_amount", "time_frac"]
    assert record.config["dataset"]["name"] == "extract"
    assert len(record.fingerprint) == 64
    assert (tmp_path / "ckpt" / "checkpoint.pt").is_file()
    registry.promote("v0001")
    loaded = registry.load_promoted()
    assert loaded.transform.mode == "neighbour"
