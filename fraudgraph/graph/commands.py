"""CLI commands for the graph stage: the local Neo4j and the schema."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fraudgraph.errors import FraudGraphError
from fraudgraph.settings import Settings

neo4j_app = typer.Typer(help="Run the bundled local Neo4j (development, tests, the demo).")
graph_app = typer.Typer(help="The knowledge graph: schema and counts.")
console = Console()


@neo4j_app.command("start")
def neo4j_start(
    browser: Annotated[
        bool,
        typer.Option(
            help="Serve Neo4j Browser over HTTP on 127.0.0.1 (port FRAUDGRAPH_NEO4J_HTTP_PORT, "
            "else the Bolt port + 1)."
        ),
    ] = True,
) -> None:
    """Build (first use), start in the background, and wait until Bolt answers."""
    from fraudgraph.graph.local_server import LocalNeo4j

    settings = Settings()
    if browser and not settings.neo4j_http_port:
        settings = settings.model_copy(update={"neo4j_http_port": settings.neo4j_bolt_port + 1})
    if not browser:
        settings = settings.model_copy(update={"neo4j_http_port": 0})
    server = LocalNeo4j(settings)
    if server.needs_build():
        console.print("building the local Neo4j (first use; Maven downloads the jars)...")
    status = server.start()
    info = status.info
    version = info.version if info else "?"
    console.print(f"Neo4j {version} running (pid {status.pid}) at {settings.neo4j_uri}")
    console.print(f"data: {status.home}")
    if server.browser_url is None:
        return
    if server.browser_available():
        console.print(f"Neo4j Browser: {server.browser_url} (connect to {settings.neo4j_uri})")
    else:
        console.print(
            f"Neo4j Browser is not answering at {server.browser_url}: the server was started "
            "without HTTP; run `fraudgraph neo4j stop` and start it again"
        )


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j (clean shutdown; a stale pid file after a crash is removed)."""
    from fraudgraph.graph.local_server import LocalNeo4j

    stopped = LocalNeo4j(Settings()).stop()
    console.print("stopped" if stopped else "not running")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Print the server version and the database's node and relationship counts."""
    from fraudgraph.graph.driver import check_connectivity, create_driver

    settings = Settings()
    driver = create_driver(settings)
    try:
        info = check_connectivity(driver, settings.neo4j_database)
    except FraudGraphError as exc:
        console.print(f"[red]not reachable[/red] at {settings.neo4j_uri}: {exc}")
        raise typer.Exit(1) from exc
    finally:
        driver.close()
    console.print(f"Neo4j {info.version} ({info.edition}) at {info.address}")
    console.print(
        f"database {info.database}: {info.nodes} nodes, {info.relationships} relationships"
    )


@graph_app.command("init")
def graph_init() -> None:
    """Create the constraints and indexes of the schema (idempotent)."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.graph.schema import init_schema

    settings = Settings()
    driver = create_driver(settings)
    try:
        report = init_schema(driver, settings.neo4j_database)
    finally:
        driver.close()
    console.print(f"{len(report.constraints)} constraints, {len(report.indexes)} indexes in place")


@graph_app.command("counts")
def graph_counts() -> None:
    """Node counts per label and relationship counts per type."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.graph.stats import graph_counts as counts

    settings = Settings()
    driver = create_driver(settings)
    try:
        result = counts(driver, settings.neo4j_database)
    finally:
        driver.close()
    for name, n in {**result.nodes, **result.relationships}.items():
        console.print(f"{name:>16} {n:>12,}")


def register(app: typer.Typer) -> None:
    app.add_typer(neo4j_app, name="neo4j")
    app.add_typer(graph_app, name="graph")
