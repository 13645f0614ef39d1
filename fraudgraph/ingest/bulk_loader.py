"""The bulk first load: records -> CSV files -> ``neo4j-admin database import`` -> schema.

For an EMPTY local database only. The records go through the transactional path's own
parsing, NLP and row building (:meth:`Loader.transform`); :class:`BulkCsvWriter` replays the
ingest writes on them into CSV files; the local server is stopped, the import tool writes the
store, the server is started again, the constraints and indexes are created, and the ingest
checkpoint is written so that a later ``fraudgraph ingest`` of the same folder resumes after it
and one of new data adds to it as usual.
"""

from __future__ import annotations

import resource
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import Driver

from fraudgraph.errors import IngestError
from fraudgraph.graph import queries
from fraudgraph.graph.admin_import import AdminImport, ImportInput, shell_command
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.ingest.bulk_batch_worker import BatchWorker
from fraudgraph.ingest.bulk_csv_writer import BulkCsvWriter
from fraudgraph.ingest.checkpoint import Checkpoint
from fraudgraph.ingest.graph_writer import WriteCounts
from fraudgraph.ingest.loader import FileSummary, Loader, LoadSummary, TextExtractor
from fraudgraph.ingest.rejects_file import RejectsFile
from fraudgraph.ingest.sources import SourceFile
from fraudgraph.settings import Settings


@dataclass(slots=True)
class BulkSummary:
    """What a bulk load did, and where its time went."""

    load: LoadSummary
    last_lines: dict[str, int] = field(default_factory=dict)
    transform_s: float = 0.0  # parsing, NLP, rows and CSV files
    import_s: float = 0.0  # stopping the server, neo4j-admin import, starting it again
    schema_s: float = 0.0  # constraints, indexes and the empty attrs lists
    command: str = ""  # the import command line, for an operator (--bulk-csv-only)
    #: Finer split: check (server up, empty?), stop, tool, start, constraints, attrs.
    steps: dict[str, float] = field(default_factory=dict)
    #: CPU seconds of child processes: the transform worker, the import tool.
    child_cpu: dict[str, float] = field(default_factory=dict)
    import_tool_peak_memory: str = ""  # as the tool reports it


class BulkLoader:
    """Loads source files into an empty local database through the import tool."""

    def __init__(
        self,
        settings: Settings,
        *,
        extractor: TextExtractor | None,
        free_text: bool = True,
        batch_size: int = 5000,
        progress: bool = True,
        threads: int | None = None,
        workers: int = 2,
    ) -> None:
        """``workers``: processes for parsing and NLP (2: the last file in a second one)."""
        self._settings = settings
        self._workers = workers
        self._loader = Loader(
            None, settings.neo4j_database, state_dir=settings.var_dir / "ingest",
            extractor=extractor, free_text=free_text, batch_size=batch_size, progress=progress,
        )  # fmt: skip
        self._import = AdminImport(settings, threads=threads)

    @property
    def state_dir(self) -> Path:
        return self._settings.var_dir / "ingest"

    def write_csv(
        self, files: list[SourceFile], out_dir: Path, rejects_path: Path | None = None
    ) -> tuple[BulkSummary, ImportInput]:
        """Transform ``files`` into import CSV files under ``out_dir`` (no server needed).

        With two workers, every other file from the last one (the transactions, then the
        applications of a synth folder) is parsed and run through the NLP in a forked process
        while this one does the others and replays all batches in file order, so the result
        is the same as with one.
        """
        started = time.perf_counter()
        writer = BulkCsvWriter(out_dir)
        rejects = RejectsFile(rejects_path or out_dir / "rejects.jsonl")
        summary = BulkSummary(LoadSummary(rejects_path=rejects.path))
        offloaded = files[len(files) - 1 :: -2][::-1] if self._workers > 1 else []
        ahead = BatchWorker(self._loader, offloaded) if files[1:] and offloaded else None
        try:
            for source in files:
                name = source.path.name
                result = summary.load.files[name] = FileSummary()
                batches = (
                    ahead.batches(result)
                    if ahead is not None and any(source is f for f in offloaded)
                    else self._loader.transform(source, result)
                )
                for batch, bad, last_line in batches:
                    writer.add(batch)
                    for line, reason, raw, fld in bad:
                        rejects.add(name, line, reason, raw, fld)
                    summary.last_lines[name] = last_line
        finally:
            rejects.close()
            if ahead is not None:
                ahead.close()
        data = writer.finish()
        summary.load.counts = WriteCounts(writer.counts.nodes, writer.counts.relationships)
        summary.transform_s = summary.load.seconds = time.perf_counter() - started
        args = self._import.arguments(data, self._settings.neo4j_database)
        summary.command = shell_command(args)
        (out_dir / "import-command.txt").write_text(summary.command + "\n", encoding="utf-8")
        # What an operator runs once the imported server is up (`fraudgraph graph init` first).
        after = [f"{queries.bulk_empty_attrs(lbl)};" for lbl in data.empty_attrs]
        (out_dir / "after-import.cypher").write_text("\n".join(after) + "\n", encoding="utf-8")
        return summary, data

    def load(self, source: Path, files: list[SourceFile], *, keep_csv: bool = False) -> BulkSummary:
        """Bulk-load ``files`` (from ``source``) into the empty local database."""
        started = time.perf_counter()
        server = self._require_empty_local()
        check_s = time.perf_counter() - started
        checkpoint = Checkpoint.for_source(self.state_dir, source)
        checkpoint.clear()
        work = self.state_dir / f"bulk-{checkpoint.path.stem}"
        shutil.rmtree(work, ignore_errors=True)
        rejects_path = checkpoint.path.with_suffix(".rejects.jsonl")
        cpu = _children_cpu()
        summary, data = self.write_csv(files, work, rejects_path)
        summary.child_cpu["transform_worker"] = _children_cpu() - cpu
        steps = summary.steps
        steps["check"] = check_s
        with _timed(steps, "stop"):
            server.stop()
        tool = self._import.run(data, self._settings.neo4j_database, work / "import.log")
        steps["import_tool"] = tool.seconds
        summary.child_cpu["import_tool"] = tool.cpu_s
        summary.import_tool_peak_memory = tool.peak_memory
        with _timed(steps, "start"):
            server.start()
        driver = create_driver(self._settings)
        try:
            with _timed(steps, "constraints"):
                init_schema(driver, self._settings.neo4j_database)
            with _timed(steps, "attrs"):
                self._empty_attrs(driver, data.empty_attrs)
        finally:
            driver.close()
        summary.import_s = steps["stop"] + steps["import_tool"] + steps["start"]
        summary.schema_s = steps["constraints"] + steps["attrs"]
        self._save_checkpoint(checkpoint, summary, rejects_path)
        if not keep_csv:
            shutil.rmtree(work, ignore_errors=True)
        summary.load.seconds = time.perf_counter() - started
        return summary

    def _require_empty_local(self) -> LocalNeo4j:
        settings = self._settings
        if not settings.neo4j_is_local:
            raise IngestError(
                f"--bulk writes the store files of the bundled local Neo4j, and NEO4J_URI is "
                f"{settings.neo4j_uri}: load that server with `fraudgraph ingest` (without "
                "--bulk), or write the import files with --bulk-csv-only OUT and have its "
                "operator run `neo4j-admin database import full` with them"
            )
        server = LocalNeo4j(settings)
        server.start()
        driver = create_driver(settings)
        try:
            counts = graph_counts(driver, settings.neo4j_database)
        finally:
            driver.close()
        if counts.total_nodes:
            raise IngestError(
                f"--bulk loads an empty database only, and {settings.neo4j_database} holds "
                f"{counts.total_nodes:,} nodes: add to it with `fraudgraph ingest` (without "
                "--bulk), or empty it first"
            )
        return server

    def _empty_attrs(self, driver: Driver, labels: list[str]) -> None:
        database = self._settings.neo4j_database
        with neo4j_errors(), driver.session(database=database) as session:
            for entity_label in labels:
                # CALL ... IN TRANSACTIONS needs an implicit (auto-commit) transaction.
                session.run(queries.bulk_empty_attrs(entity_label)).consume()

    @staticmethod
    def _save_checkpoint(checkpoint: Checkpoint, summary: BulkSummary, rejects: Path) -> None:
        for name in summary.load.files:
            progress = checkpoint.progress(name)
            progress.line, progress.done = summary.last_lines.get(name, 0), True
        checkpoint.rejects_bytes = rejects.stat().st_size
        checkpoint.save()


def _children_cpu() -> float:
    """CPU seconds of the child processes that ended (and were waited for) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _timed(steps: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        steps[name] = time.perf_counter() - started
