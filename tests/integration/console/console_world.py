"""A small world for the console's integration tests, loaded through the real ingest."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neo4j import Driver

from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from tests.integration.ingest.ingest_fixtures import (
    FieldExtractor,
    account,
    application,
    customer,
    write_jsonl,
)


def load_world(
    driver: Driver,
    database: str,
    folder: Path,
    people: int,
    shared: Mapping[int, tuple[str, str]],
    transactions: list[dict[str, Any]] | None = None,
) -> None:
    """``people`` customers with one application and one account each; customers in ``shared``
    apply with that (device, phone), the others with their own."""
    folder.mkdir(parents=True)
    write_jsonl(folder / "customers.jsonl", [customer(i) for i in range(people)])
    apps = []
    for i in range(people):
        device, phone = shared.get(i, (f"own-{i}", f"1350000{i:04d}"))
        at = f"2026-03-01T{8 + i % 12:02d}:00:00+00:00"
        apps.append(application(i, f"C{i:04d}", created_at=at, device_id=device, phone=phone,
                                ip=f"10.9.{i}.1"))  # fmt: skip
    write_jsonl(folder / "applications.jsonl", apps)
    write_jsonl(folder / "accounts.jsonl", [account(i, f"C{i:04d}") for i in range(people)])
    write_jsonl(folder / "transactions.jsonl", transactions or [])
    (folder / "manifest.json").write_text(json.dumps({"format": "fraudgraph-synth/1"}))
    init_schema(driver, database)
    loader = Loader(driver, database, state_dir=folder.parent / "state",
                    extractor=FieldExtractor(), batch_size=100, progress=False)  # fmt: skip
    loader.load(folder, synth_files(folder))
