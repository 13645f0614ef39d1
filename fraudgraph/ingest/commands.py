"""CLI commands of the ingest stage."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from fraudgraph.ingest.entity_link_job import LinkCounts
    from fraudgraph.ingest.loader import LoadSummary, TextExtractor
    from fraudgraph.ingest.sources import SourceFile
    from fraudgraph.settings import Settings

console = Console()


def ingest(
    path: Path = typer.Argument(..., exists=True, help="A synth or AMLSim folder, or one file."),
    kind: str | None = typer.Option(
        None, help="For one file: customers, applications, accounts or transactions."
    ),
    column: list[str] = typer.Option(
        [], "--map", help="Column mapping for one file, COLUMN=FIELD (repeatable)."
    ),
    restart: bool = typer.Option(False, help="Ignore the checkpoint and load everything again."),
    nlp: bool = typer.Option(
        True, help="Also extract entities from free text (memos, remarks) with the NER models."
    ),
    batch_size: int | None = typer.Option(None, help="Records per transaction."),
    bulk: bool = typer.Option(
        False,
        help="First load of an EMPTY local database through neo4j-admin import (stops and "
        "restarts the local server); much faster than transactions.",
    ),
    bulk_csv_only: Path | None = typer.Option(
        None,
        help="Only write the bulk import CSV files (and the neo4j-admin command) to this "
        "folder, for an operator to import into a server of their own.",
    ),
    link: bool = typer.Option(
        True,
        help="Afterwards, propose SAME_AS links between the customer ids of one person and "
        "between spellings of one employer, address or name (as `fraudgraph nlp link`).",
    ),
) -> None:
    """Load records into the graph: batched MERGEs, resumable, bad rows to a rejects file."""
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.graph.schema import init_schema
    from fraudgraph.ingest.loader import Loader
    from fraudgraph.ingest.sources import RECORD_KINDS, SourceFile, detect_files, parse_mapping
    from fraudgraph.settings import Settings

    settings = Settings()
    if path.is_dir():
        files = detect_files(path)
    else:
        if kind not in RECORD_KINDS:
            raise typer.BadParameter(f"--kind must be one of {', '.join(RECORD_KINDS)}")
        files = [SourceFile(path, kind, parse_mapping(column))]
    from fraudgraph.nlp.extractor import EntityExtractor

    extractor = EntityExtractor.load()
    # The models and pypinyin's tables live as long as the process: freezing them keeps the
    # cyclic collector from rescanning ~200k long-lived objects on every full collection.
    gc.freeze()
    if bulk or bulk_csv_only is not None:
        _bulk(settings, path, files, extractor, nlp, batch_size, bulk_csv_only)
        if link and bulk_csv_only is None:
            _link(settings, files)
        return
    driver = create_driver(settings)
    try:
        init_schema(driver, settings.neo4j_database)
        loader = Loader(
            driver,
            settings.neo4j_database,
            state_dir=settings.var_dir / "ingest",
            extractor=extractor,
            free_text=nlp,
            batch_size=batch_size or settings.neo4j_batch_size,
        )
        summary = loader.load(path, files, restart=restart)
    finally:
        driver.close()
    print_summary(summary)
    if link:
        _link(settings, files)


def _link(settings: Settings, files: list[SourceFile]) -> None:
    from fraudgraph.graph.driver import create_driver
    from fraudgraph.ingest.entity_link_job import EntityLinkJob

    driver = create_driver(settings)
    try:
        counts = EntityLinkJob.after_load(driver, settings, files)
    finally:
        driver.close()
    print_links(counts)


def print_links(counts: dict[str, LinkCounts]) -> None:
    console.print(
        "SAME_AS candidates: " + ", ".join(f"{lbl} {c.stored:,}" for lbl, c in counts.items())
    )
    pruned = {lbl: c.pruned for lbl, c in counts.items() if c.pruned}
    if pruned:  # proposed by an earlier run and no longer: unreviewed, so removed
        console.print(
            "stale candidates removed: " + ", ".join(f"{k} {n:,}" for k, n in pruned.items())
        )


def _bulk(
    settings: Settings,
    path: Path,
    files: list[SourceFile],
    extractor: TextExtractor,
    nlp: bool,
    batch_size: int | None,
    csv_only: Path | None,
) -> None:
    from fraudgraph.ingest.bulk_loader import BulkLoader

    loader = BulkLoader(settings, extractor=extractor, free_text=nlp,
                        batch_size=batch_size or settings.neo4j_batch_size)  # fmt: skip
    if csv_only is not None:
        summary, _ = loader.write_csv(files, csv_only)
        print_summary(summary.load)
        console.print(f"import files in {csv_only}; import them (server stopped) with:")
        console.print(summary.command, soft_wrap=True, markup=False)
        console.print(
            "then start the server, run `fraudgraph graph init` and the statements of "
            f"{csv_only / 'after-import.cypher'} (auto-commit, e.g. with cypher-shell)"
        )
        return
    summary = loader.load(path, files)
    print_summary(summary.load)
    console.print(
        f"transform {summary.transform_s:.1f} s, import {summary.import_s:.1f} s, "
        f"schema {summary.schema_s:.1f} s"
    )


def print_summary(summary: LoadSummary) -> None:
    for name, f in summary.files.items():
        resumed = f" (resumed after line {f.resumed_from_line})" if f.resumed_from_line else ""
        console.print(f"{name}: {f.loaded:,} loaded, {f.rejected:,} rejected{resumed}")
    counts = summary.counts
    rate = counts.writes / summary.seconds if summary.seconds else 0.0
    console.print(
        f"{counts.nodes_created:,} nodes and {counts.relationships_created:,} relationships "
        f"created in {summary.seconds:.1f} s ({rate:,.0f} writes/s)"
    )
    if summary.rejected:
        console.print(f"rejected rows, with reasons: {summary.rejects_path}")


def register(app: typer.Typer) -> None:
    """Add this stage's commands to the top-level app."""
    app.command("ingest")(ingest)
