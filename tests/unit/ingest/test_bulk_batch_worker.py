"""The forked bulk transform worker: runs torch work after the parent has used OpenMP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import torch

from fraudgraph.ingest.bulk_batch_worker import BatchWorker
from fraudgraph.ingest.graph_rows import WriteBatch
from fraudgraph.ingest.loader import FileSummary, Loader
from fraudgraph.ingest.sources import SourceFile


def _parallel_lookup() -> float:
    """An embedding-style look-up big enough for torch to run it as an OpenMP loop."""
    table = torch.randn(50_000, 64)
    index = torch.randint(0, 50_000, (200_000,))
    return float(torch.index_select(table, 0, index).sum())


class _TorchLoader:
    """Stands in for Loader.transform: one batch per file, made with a parallel torch op."""

    def transform(self, source: Any, result: FileSummary) -> Iterator[tuple[Any, ...]]:
        _parallel_lookup()
        result.read = result.loaded = 1
        yield WriteBatch("Application"), [], 1


def test_the_worker_finishes_torch_work_after_the_parent_ran_openmp() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        _parallel_lookup()  # the parent's OpenMP pool now exists, as after loading the models
    finally:
        torch.set_num_threads(threads)
    source = cast(SourceFile, Path("applications.jsonl"))
    worker = BatchWorker(cast(Loader, _TorchLoader()), [source])
    result = FileSummary()
    batches: list[Any] = []
    reader = threading.Thread(target=lambda: batches.extend(worker.batches(result)), daemon=True)
    reader.start()
    reader.join(timeout=60)  # before the fix the worker hung forever, and the reader with it
    hung = reader.is_alive()
    worker.close()
    assert not hung, "the forked worker hung in torch"
    assert len(batches) == 1
    assert (result.read, result.loaded) == (1, 1)
