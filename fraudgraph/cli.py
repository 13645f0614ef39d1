"""The ``fraudgraph`` command.

Each pipeline stage contributes its commands through ``register(app)`` in its own
``commands.py``; this module only assembles them and turns fraudgraph errors into a one-line
message and exit code 1 instead of a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fraudgraph.console import commands as console_commands
from fraudgraph.errors import FraudGraphError
from fraudgraph.gnn import commands as gnn_commands
from fraudgraph.graph import commands as graph_commands
from fraudgraph.ingest import commands as ingest_commands
from fraudgraph.nlp import commands as nlp_commands
from fraudgraph.rings import commands as rings_commands
from fraudgraph.service import commands as service_commands
from fraudgraph.synth import commands as synth_commands

app = typer.Typer(
    name="fraudgraph",
    help="Knowledge-graph anti-fraud analytics: NLP, Neo4j, GNN scoring, rings, gRPC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

for module in (
    graph_commands,
    synth_commands,
    ingest_commands,
    nlp_commands,
    gnn_commands,
    rings_commands,
    service_commands,
    console_commands,
):
    module.register(app)
gnn_commands.bench_app.command("serve")(service_commands.bench_serve)


@app.command("demo")
def demo(
    applications: int = typer.Option(2000, help="Size of the synthetic world to generate."),
    seed: int = typer.Option(7, help="Seed of the synthetic world."),
) -> None:
    """Run the end-to-end demo against the configured Neo4j."""
    from fraudgraph.demo import run_demo
    from fraudgraph.settings import Settings

    run_demo(Settings(), applications=applications, seed=seed, console=Console())


def main() -> None:
    try:
        app()
    except FraudGraphError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
