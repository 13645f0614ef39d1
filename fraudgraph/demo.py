"""The end-to-end demo behind ``make demo``: every stage, on a small synthetic world."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from neo4j import Driver
from rich.console import Console
from rich.table import Table

from fraudgraph.graph.admin import wipe_graph
from fraudgraph.graph.driver import check_connectivity, create_driver
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.settings import Settings

if TYPE_CHECKING:
    from fraudgraph.ingest.sources import SourceFile


def run_demo(settings: Settings, *, applications: int, seed: int, console: Console) -> None:
    """Start Neo4j if it is ours, generate a world, ingest it, show the graph, serve decisions."""
    if settings.neo4j_is_local:
        console.rule("1. local Neo4j")
        status = LocalNeo4j(settings).start()
        console.print(f"running, pid {status.pid}, data in {status.home}")
    driver = create_driver(settings)
    try:
        info = check_connectivity(driver, settings.neo4j_database)
        console.print(f"connected to Neo4j {info.version} ({info.edition}) at {info.address}")
        world = _synth(settings, applications, seed, console)
        _ingest(driver, settings, world, console)
        _show_graph(driver, settings, console)
        _serve(driver, settings, world, console)
    finally:
        driver.close()


def _synth(settings: Settings, applications: int, seed: int, console: Console) -> Path:
    from fraudgraph.synth.world_config import WorldConfig
    from fraudgraph.synth.world_generator import generate_world

    console.rule("2. synthetic bank world")
    out = (settings.var_dir / "demo" / f"world-{applications}-{seed}").resolve()
    summary = generate_world(out, WorldConfig(applications=applications, seed=seed))
    counts = ", ".join(f"{v:,} {k}" for k, v in summary.counts.items())
    console.print(f"{counts} written to {out} in {summary.seconds:.1f} s")
    return out


def _ingest(driver: Driver, settings: Settings, world: Path, console: Console) -> None:
    from fraudgraph.ingest.commands import print_summary
    from fraudgraph.ingest.loader import Loader
    from fraudgraph.ingest.sources import synth_files
    from fraudgraph.nlp.extractor import EntityExtractor

    console.rule("3. NLP + ingest into Neo4j, entity resolution")
    # The bundled server's database is rebuilt so that re-running the demo gives the same graph;
    # a server of the user's own is never wiped (loading is idempotent there).
    if settings.neo4j_is_local:
        wipe_graph(driver, settings.neo4j_database)
    init_schema(driver, settings.neo4j_database)
    loader = Loader(
        driver,
        settings.neo4j_database,
        state_dir=settings.var_dir / "demo" / "ingest-state",
        extractor=EntityExtractor.load(),
        batch_size=settings.neo4j_batch_size,
    )
    files = synth_files(world)
    print_summary(loader.load(world, files, restart=True))
    _link(driver, settings, files, console)


def _link(driver: Driver, settings: Settings, files: list[SourceFile], console: Console) -> None:
    """Entity resolution after the load, with a few of the links it proposes."""
    from fraudgraph.graph.same_as_repository import SameAsRepository
    from fraudgraph.ingest.commands import print_links
    from fraudgraph.ingest.entity_link_job import EntityLinkJob

    print_links(EntityLinkJob.after_load(driver, settings, files))
    repository = SameAsRepository(driver, settings.neo4j_database)
    for label in ("Organization", "Customer"):
        for left, link in repository.queue(label, limit=2):
            evidence = ", ".join(link.evidence)
            console.print(f"  {label} {left} ~ {link.key}  ({link.confidence:.2f}; {evidence})")


def _show_graph(driver: Driver, settings: Settings, console: Console) -> None:
    console.rule("4. the knowledge graph")
    counts = graph_counts(driver, settings.neo4j_database)
    table = Table("label / type", "count", title="nodes and relationships")
    for name, n in {**counts.nodes, **counts.relationships}.items():
        table.add_row(name, f"{n:,}")
    console.print(table)


def _serve(driver: Driver, settings: Settings, world: Path, console: Console) -> None:
    from fraudgraph.service.serve_demo import ServeDemo

    ServeDemo(driver, settings, console).run(world, first_step=5)
