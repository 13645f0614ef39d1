"""CLI commands of the gnn stage, registered on the `fraudgraph` app by fraudgraph.cli.

Imports of heavy libraries happen inside the command bodies so that `fraudgraph --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fraudgraph.settings import Settings

models_app = typer.Typer(help="Model registry: list, inspect and promote trained GNN models.")
bench_app = typer.Typer(help="Benchmarks on the public data sets.")

DatasetOption = Annotated[
    str,
    typer.Option(
        "--dataset", help="tolokers | reddit | amlsim-cycle200 | PATH of an AMLSim folder"
    ),
]


def _settings() -> Settings:
    return Settings()


def _datasets_root(settings: Settings) -> Path:
    """Public datasets live next to the checkout: <project>/../shared/datasets."""
    return settings.project_dir.parent / "shared" / "datasets"


def train(
    dataset: DatasetOption = "tolokers",
    split: Annotated[int, typer.Option(help="Index of the split to train on.")] = 0,
    epochs: Annotated[int, typer.Option(help="Maximum epochs.")] = 200,
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 0.005,
    patience: Annotated[int, typer.Option(help="Early-stopping patience (epochs).")] = 30,
    hidden: Annotated[int, typer.Option(help="Hidden width.")] = 64,
    layers: Annotated[int, typer.Option(help="Message-passing layers.")] = 2,
    feature_mode: Annotated[str, typer.Option(help="raw | neighbour")] = "neighbour",
    batch_size: Annotated[
        int | None,
        typer.Option(help="Mini-batch size with neighbour sampling (default: full batch)."),
    ] = None,
    fanouts: Annotated[
        str, typer.Option(help="Neighbours per hop when sampling, e.g. 15,10.")
    ] = "15,10",
    device: Annotated[str, typer.Option(help="auto | cpu | cuda[:N]")] = "auto",
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    checkpoint_dir: Annotated[Path | None, typer.Option(help="Where to keep checkpoints.")] = None,
    resume: Annotated[
        bool, typer.Option(help="Resume from the checkpoint in --checkpoint-dir.")
    ] = False,
    distributed: Annotated[bool, typer.Option(help="Run DDP through torchrun.")] = False,
    nproc: Annotated[int, typer.Option(help="Processes per node with --distributed.")] = 2,
    register_model: Annotated[bool, typer.Option("--register/--no-register")] = True,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Train the heterophily-aware SepGNN on a data set and register it as a new version."""
    from fraudgraph.gnn.training.train_job import TrainJob

    settings = _settings()
    job = TrainJob(
        dataset=dataset,
        datasets_root=str(_datasets_root(settings)),
        split=split,
        feature_mode=feature_mode,
        model={
            "hidden_channels": hidden,
            "num_layers": layers,
            "message_channels": 32,
            "aggregators": ["mean", "std"],
        },
        train={
            "epochs": epochs,
            "lr": lr,
            "patience": patience,
            "batch_size": batch_size,
            "fanouts": [int(f) for f in fanouts.split(",") if f],
            "device": device,
            "seed": seed,
            "checkpoint_dir": None if checkpoint_dir is None else str(checkpoint_dir),
            "resume": resume,
            "sparse_adjacency": batch_size is None,
            "progress": progress,
        },
        models_dir=str(settings.models_dir) if register_model else None,
    )
    if distributed:
        _run_torchrun(job.to_dict(), nproc)
        return
    summary = job.run()
    typer.echo(json.dumps(summary, indent=2, default=str))


def _run_torchrun(job: dict[str, object], nproc: int) -> None:
    import subprocess
    import sys
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(job, handle)
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        "-m",
        "fraudgraph.gnn.training.distributed",
        handle.name,
    ]
    completed = subprocess.run(command, check=False)
    Path(handle.name).unlink(missing_ok=True)
    if completed.returncode != 0:
        raise typer.Exit(completed.returncode)


@models_app.command("list")
def models_list() -> None:
    """List registered model versions (* = promoted)."""
    from fraudgraph.gnn.registry import ModelRegistry

    registry = ModelRegistry(_settings().models_dir)
    records = registry.list()
    if not records:
        typer.echo(f"no models under {registry.root}")
    for record in records:
        mark = "*" if record.promoted else " "
        auprc = record.metrics.get("test_auprc")
        name = record.config.get("dataset", {}).get("name", "?")
        typer.echo(f"{mark} {record.version}  dataset={name}  test_auprc={auprc}")


@models_app.command("show")
def models_show(version: str) -> None:
    """Print a version's config, feature schema, metrics and fingerprint."""
    from fraudgraph.errors import NotFoundError
    from fraudgraph.gnn.registry import ModelRegistry

    registry = ModelRegistry(_settings().models_dir)
    try:
        record = registry.show(version)
    except NotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    payload = {
        "version": record.version,
        "promoted": record.promoted,
        "path": str(record.path),
        "config": record.config,
        "feature_schema": record.feature_schema,
        "metrics": record.metrics,
        "fingerprint": record.fingerprint,
    }
    typer.echo(json.dumps(payload, indent=2, default=str))


@models_app.command("promote")
def models_promote(version: str) -> None:
    """Make VERSION the model the scoring service loads."""
    from fraudgraph.errors import NotFoundError
    from fraudgraph.gnn.registry import ModelRegistry

    registry = ModelRegistry(_settings().models_dir)
    try:
        registry.promote(version)
    except NotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"promoted {version}")


@bench_app.command("gnn")
def bench_gnn(
    dataset: DatasetOption = "tolokers",
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON object here.")
    ] = None,
    splits: Annotated[
        int | None, typer.Option(help="Run only the first N splits (quick checks).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="Benchmark config (default gnn/bench.json).")
    ] = None,
    device: Annotated[str, typer.Option(help="auto | cpu | cuda[:N]")] = "auto",
    progress: Annotated[bool, typer.Option(help="Show per-epoch progress bars.")] = False,
) -> None:
    """GNN vs LightGBM on neighbour features vs their blend: mean ± std over splits."""
    from fraudgraph.gnn.bench.runner import run_benchmark

    settings = _settings()
    project = settings.project_dir
    result = run_benchmark(
        dataset,
        _datasets_root(settings),
        config or project / "gnn" / "bench.json",
        splits=splits,
        device=device,
        progress=progress,
    )
    text = json.dumps(result, indent=2)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(text + "\n")
    typer.echo(text)


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
    app.command("train")(train)
    app.add_typer(models_app, name="models")
    app.add_typer(bench_app, name="bench")
