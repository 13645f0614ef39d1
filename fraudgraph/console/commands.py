"""CLI command of the review console: ``fraudgraph console``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()


def register(app: typer.Typer) -> None:
    """Add ``console`` to the ``fraudgraph`` command."""
    app.command("console")(serve_console)


def serve_console(
    host: Annotated[str, typer.Option(help="Interface to bind (loopback by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8080,
) -> None:
    """Serve the fraud-ops review console (log in with a service token) until Ctrl-C."""
    from fraudgraph.console.console_app import ConsoleApp
    from fraudgraph.console.console_auth import ConsoleAuth
    from fraudgraph.console.console_server import ConsoleServer
    from fraudgraph.console.neo4j_ring_desk import Neo4jRingDesk
    from fraudgraph.errors import ConfigurationError
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.service.token_authority import TokenAuthority
    from fraudgraph.settings import Settings

    settings = Settings()
    if not settings.service_token_digests:
        raise ConfigurationError(
            "no tokens: set FRAUDGRAPH_SERVICE_TOKEN_DIGESTS (sha256 of a token -> scopes)"
        )
    auth = ConsoleAuth(TokenAuthority(settings.service_token_digests))
    driver = create_driver(settings)
    try:
        app = ConsoleApp(Neo4jRingDesk(driver, settings.neo4j_database), auth)
        server = ConsoleServer(app, host, port)
        console.print(f"review console on {server.url}/ (Ctrl-C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("stopped")
    finally:
        driver.close()
