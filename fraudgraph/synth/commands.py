"""CLI commands of the synth stage, registered on the `fraudgraph` app by fraudgraph.cli.

Imports of heavy libraries happen inside the command bodies so that `fraudgraph --help` stays fast.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer


def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the world into.")],
    applications: Annotated[int, typer.Option("--applications", help="Number of applications.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 0,
    transactions: Annotated[
        int | None,
        typer.Option("--transactions", help="Number of transactions [10 x applications]."),
    ] = None,
    start: Annotated[
        datetime, typer.Option("--start", formats=["%Y-%m-%d"], help="First day (China time).")
    ] = datetime(2025, 1, 1),
    days: Annotated[int, typer.Option("--days", help="Length of the world in days.")] = 365,
) -> None:
    """Generate a synthetic bank world with planted fraud rings and its ground truth."""
    from fraudgraph.errors import InvalidInputError
    from fraudgraph.synth.world_config import WorldConfig
    from fraudgraph.synth.world_generator import generate_world

    try:
        config = WorldConfig(
            applications=applications,
            transactions=transactions,
            seed=seed,
            start=date(start.year, start.month, start.day),
            days=days,
        )
        summary = generate_world(out, config, progress=lambda line: typer.echo(f"  {line}"))
    except InvalidInputError as error:
        raise typer.BadParameter(str(error)) from error
    counts = ", ".join(f"{k}={v}" for k, v in summary.counts.items())
    typer.echo(f"wrote {out} in {summary.seconds:.1f}s: {counts}")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
    app.command("synth")(synth)
