"""The ingest loop: read, validate, extract entities, write in batches, checkpoint, reject.

Reading, parsing and entity extraction run on the calling thread while the previous batch is
being written by a writer thread, so Python work and Neo4j work overlap on the two cores.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from neo4j import Driver
from tqdm import tqdm

from fraudgraph.errors import InvalidInputError
from fraudgraph.ingest import graph_rows
from fraudgraph.ingest.checkpoint import Checkpoint
from fraudgraph.ingest.fifo_cache import FifoCache
from fraudgraph.ingest.graph_rows import (
    FREE_TEXT_FIELDS,
    STRUCTURED_FIELDS,
    FieldLinks,
    WriteBatch,
)
from fraudgraph.ingest.graph_writer import GraphWriter, WriteCounts
from fraudgraph.ingest.record_parser import (
    parse_account,
    parse_application,
    parse_customer,
    parse_transaction,
)
from fraudgraph.ingest.rejects_file import RejectsFile
from fraudgraph.ingest.sources import RecordKind, SourceFile
from fraudgraph.nlp.extractor import TextRecord
from fraudgraph.types import Entity


class TextExtractor(Protocol):
    """What the loader needs of the NLP stage (``fraudgraph.nlp.extractor.EntityExtractor``)."""

    def extract_many(
        self, records: Iterable[TextRecord], *, batch_size: int = 256
    ) -> list[list[Entity]]: ...


@dataclass(frozen=True, slots=True)
class KindSpec:
    """How one record kind is parsed and turned into rows."""

    label: str
    parse: Callable[[Mapping[str, Any]], Any]
    row: Callable[[Any, Mapping[str, Any]], dict[str, Any]]


#: Field values whose links are remembered (:meth:`Loader._add_entities`).
LINKS_CACHE_SIZE = 200_000

#: Raw columns passed through to the node as they are (ground truth of imported simulations).
PASSTHROUGH = ("label_fraud",)

SPECS: Mapping[RecordKind, KindSpec] = {
    "customers": KindSpec(
        "Customer", parse_customer, lambda rec, raw: graph_rows.customer_row(rec)
    ),
    "applications": KindSpec(
        "Application", parse_application, lambda rec, raw: graph_rows.application_row(rec)
    ),
    "accounts": KindSpec(
        "Account",
        parse_account,
        lambda rec, raw: graph_rows.account_row(rec, {k: raw[k] for k in PASSTHROUGH if k in raw}),
    ),
    "transactions": KindSpec(
        "Transaction", parse_transaction, lambda rec, raw: graph_rows.transaction_row(rec)
    ),
}


@dataclass(slots=True)
class FileSummary:
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    resumed_from_line: int = 0


@dataclass(slots=True)
class LoadSummary:
    files: dict[str, FileSummary] = field(default_factory=dict)
    counts: WriteCounts = field(default_factory=WriteCounts)
    seconds: float = 0.0
    rejects_path: Path | None = None

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files.values())

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files.values())


@dataclass(slots=True)
class _Pending:
    file: str
    last_line: int
    batch: WriteBatch
    rejects: list[tuple[int, str, str, str | None]]


class Loader:
    """Loads source files into the graph: idempotent, resumable, nothing dropped silently."""

    def __init__(
        self,
        driver: Driver | None,
        database: str,
        *,
        state_dir: Path,
        extractor: TextExtractor | None = None,
        free_text: bool = True,
        batch_size: int = 5000,
        progress: bool = True,
    ) -> None:
        """``extractor`` resolves identifiers in structured fields (None: records only, no
        entity links); ``free_text`` also runs it on free-text fields (memos, remarks). Without
        a driver the loader only transforms (:meth:`transform`, the bulk path)."""
        self._writer = GraphWriter(driver, database) if driver is not None else None
        self._extractor = extractor
        self._free_text = free_text
        self._state_dir = state_dir
        self._batch_size = batch_size
        self._progress = progress
        self._links_cache: FifoCache[tuple[str, str | None, str], FieldLinks] = FifoCache(
            LINKS_CACHE_SIZE
        )

    def load(self, source: Path, files: list[SourceFile], *, restart: bool = False) -> LoadSummary:
        """Load ``files`` (from ``source``); resume from the checkpoint unless ``restart``."""
        checkpoint = Checkpoint.for_source(self._state_dir, source)
        if restart:
            checkpoint.clear()
        rejects = RejectsFile(
            checkpoint.path.with_suffix(".rejects.jsonl"), checkpoint.rejects_bytes
        )
        summary = LoadSummary(rejects_path=rejects.path)
        started = time.perf_counter()
        try:
            for source_file in files:
                name = source_file.path.name
                summary.files[name] = self._load_file(source_file, checkpoint, rejects, summary)
        finally:
            rejects.close()
        summary.seconds = time.perf_counter() - started
        return summary

    def _load_file(
        self, source: SourceFile, checkpoint: Checkpoint, rejects: RejectsFile, summary: LoadSummary
    ) -> FileSummary:
        name = source.path.name
        progress = checkpoint.progress(name)
        result = FileSummary(resumed_from_line=progress.line)
        if progress.done:
            return result
        pending: queue.Queue[_Pending | None] = queue.Queue(maxsize=2)
        failure: list[BaseException] = []

        def commit_loop() -> None:
            while (item := pending.get()) is not None:
                if failure:
                    continue  # drain after an error so the producer never blocks
                try:
                    assert self._writer is not None, "a loader without a driver only transforms"
                    summary.counts.add(self._writer.write(item.batch))
                    for line, reason, raw, fld in item.rejects:
                        rejects.add(item.file, line, reason, raw, fld)
                    progress.line = item.last_line
                    checkpoint.rejects_bytes = rejects.flush()
                    checkpoint.save()
                except BaseException as exc:  # re-raised on the calling thread
                    failure.append(exc)

        writer = threading.Thread(target=commit_loop, name="fraudgraph-ingest-writer")
        writer.start()
        try:
            for item in self._batches(source, progress.line, result):
                if failure:
                    break
                pending.put(item)
        finally:
            pending.put(None)
            writer.join()
        if failure:
            raise failure[0]
        progress.done = True
        checkpoint.save()
        return result

    def transform(
        self, source: SourceFile, result: FileSummary
    ) -> Iterator[tuple[WriteBatch, list[tuple[int, str, str, str | None]], int]]:
        """The write batches of a whole file, with its rejected rows and the last line read,
        exactly as :meth:`load` would write them, but not written (the bulk path's input)."""
        for item in self._batches(source, 0, result):
            yield item.batch, item.rejects, item.last_line

    def _batches(self, source: SourceFile, skip_to: int, result: FileSummary) -> Iterator[_Pending]:
        spec = SPECS[source.kind]
        records: list[tuple[Any, Mapping[str, Any]]] = []
        bad: list[tuple[int, str, str, str | None]] = []
        last = skip_to
        bar = tqdm(desc=source.path.name, unit=" rec", disable=not self._progress, mininterval=1)
        for row in source.rows():
            if row.line <= skip_to:
                continue
            result.read += 1
            last = row.line
            if row.data is None:
                bad.append((row.line, row.error or "unreadable", row.preview(), None))
            else:
                try:
                    records.append((spec.parse(row.data), row.data))
                except InvalidInputError as exc:
                    bad.append((row.line, str(exc), row.preview() or _preview(row.data), exc.field))
            if len(records) + len(bad) >= self._batch_size:
                yield self._pending(source, spec, records, bad, last, result)
                bar.update(len(records) + len(bad))
                records, bad = [], []
        if records or bad:
            yield self._pending(source, spec, records, bad, last, result)
            bar.update(len(records) + len(bad))
        bar.close()

    def _pending(
        self,
        source: SourceFile,
        spec: KindSpec,
        records: list[tuple[Any, Mapping[str, Any]]],
        bad: list[tuple[int, str, str, str | None]],
        last_line: int,
        result: FileSummary,
    ) -> _Pending:
        batch = WriteBatch(spec.label, [spec.row(rec, raw) for rec, raw in records])
        if self._extractor is not None:
            self._add_entities(batch, [rec for rec, _ in records])
        result.loaded += len(records)
        result.rejected += len(bad)
        return _Pending(source.path.name, last_line, batch, list(bad))

    def _add_entities(self, batch: WriteBatch, records: list[Any]) -> None:
        """Link each record to the entities of its fields. Field values repeat a lot (a
        customer's fields again in their applications, shared devices and IPs), so what a value
        gives is cached: only values not seen before go through the extractor, once each."""
        assert self._extractor is not None
        fields = STRUCTURED_FIELDS.get(batch.label, ())
        if self._free_text:
            fields = (*fields, *FREE_TEXT_FIELDS.get(batch.label, ()))
        todo: dict[tuple[str, str | None, str], list[int]] = {}
        cache = self._links_cache
        for pos, rec in enumerate(records):
            language = _get(rec, "language") or None
            for name in fields:
                value = _get(rec, name)
                if not value:
                    continue
                key = (name, language, value)
                found = cache.get(key)
                if found is not None:
                    batch.add_field_links(pos, found)
                else:
                    todo.setdefault(key, []).append(pos)
        texts = [TextRecord(value, "", name, language) for name, language, value in todo]
        for (key, positions), entities in zip(
            todo.items(), self._extractor.extract_many(texts), strict=True
        ):
            found = graph_rows.field_links(batch.label, entities)
            cache.put(key, found)
            for pos in positions:
                batch.add_field_links(pos, found)


def _get(record: Any, name: str) -> str:
    value = record.get(name, "") if isinstance(record, dict) else getattr(record, name, "")
    return value if isinstance(value, str) else ""


def _preview(data: Mapping[str, Any]) -> str:
    return str(dict(data))[:500]
