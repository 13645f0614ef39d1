"""Running some files' parsing, NLP and row building in a second process, ahead of time.

The bulk path has no Neo4j transactions to overlap with: its Python work is all there is, so
on a two-core machine a forked copy of the loader transforms some of the files (in their
order) while the main process does the others. The batches travel back pickled and are
replayed by the main process in file order, so the graph is the one a single process makes
(the loader's links cache only remembers what the extractor gives for a value).
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Iterator
from multiprocessing.queues import Queue
from typing import Any

from fraudgraph.errors import IngestError
from fraudgraph.ingest.graph_rows import WriteBatch
from fraudgraph.ingest.loader import FileSummary, Loader
from fraudgraph.ingest.sources import SourceFile

#: One batch as :meth:`Loader.transform` yields it: batch, rejected rows, last line read.
Batch = tuple[WriteBatch, list[tuple[int, str, str, str | None]], int]
_POLL_S = 5.0


class BatchWorker:
    """Transforms ``sources`` in a forked process; :meth:`batches` replays what it made."""

    def __init__(self, loader: Loader, sources: list[SourceFile]) -> None:
        self.sources = sources
        context = multiprocessing.get_context("fork")  # the loaded NLP models come along
        self._queue: Queue[Any] = context.Queue()  # unbounded: the worker runs ahead
        self._process = context.Process(
            target=_transform, args=(loader, sources, self._queue),
            name="fraudgraph-bulk-transform", daemon=True,
        )  # fmt: skip
        self._process.start()

    def batches(self, result: FileSummary) -> Iterator[Batch]:
        """The batches of the worker's next file, in order; ``result`` gets its counts."""
        while True:
            item = self._next()
            if item[0] == "batch":
                yield item[1], item[2], item[3]
            elif item[0] == "done":
                done: FileSummary = item[1]
                result.read, result.loaded, result.rejected = done.read, done.loaded, done.rejected
                return
            else:
                raise IngestError(f"the bulk transform worker failed: {item[1]}")

    def _next(self) -> tuple[Any, ...]:
        while True:
            try:
                item: tuple[Any, ...] = self._queue.get(timeout=_POLL_S)
                return item
            except queue.Empty:
                if self._process.is_alive():
                    continue
            try:  # it may have ended just after its last item
                item = self._queue.get(timeout=_POLL_S)
                return item
            except queue.Empty:
                code = self._process.exitcode
                raise IngestError(f"the bulk transform worker died (exit code {code})") from None

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)
        self._queue.close()


def _transform(loader: Loader, sources: list[SourceFile], out: Queue[Any]) -> None:
    _single_threaded_torch()
    for source in sources:
        result = FileSummary()
        try:
            for batch, bad, last_line in loader.transform(source, result):
                out.put(("batch", batch, bad, last_line))
        except Exception as exc:  # reported to the parent, which raises it
            out.put(("error", f"{type(exc).__name__}: {exc}"))
            return
        out.put(("done", result))


def _single_threaded_torch() -> None:
    """Keep torch out of OpenMP in this forked process.

    GNU OpenMP does not survive a fork: once the parent has run a parallel region, the
    child's first one waits forever for threads that were not copied. This hung a
    100k/1M bulk load in the NER models' embedding look-up, with the parent waiting on the
    queue. With one thread, torch runs its loops inline and never enters OpenMP; the
    worker is one of the two busy processes anyway.
    """
    import torch

    torch.set_num_threads(1)
