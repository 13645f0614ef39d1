"""Rings against the real Neo4j: detection, stable ids over a new day, review, labels, alerts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.rings.labels import review_labels
from fraudgraph.rings.post_approval_monitor import post_approval_alerts
from fraudgraph.rings.ring_detector import DetectionResult, RingConfig, RingDetector
from fraudgraph.rings.ring_store import RingStore
from fraudgraph.settings import Settings
from tests.integration.ingest.ingest_fixtures import (
    FieldExtractor,
    account,
    application,
    customer,
    write_jsonl,
)

pytestmark = pytest.mark.integration

# customer index -> (day, hour, device, phone); everyone else has their own device and phone.
DAY1 = {
    **{i: (1, 9 + i % 4, "dev-ring", f"1390000{i:04d}") for i in range(10, 14)},  # ring R
    **{i: (1, 10, "dev-b", f"1380000{i:04d}") for i in range(20, 23)},  # ring B
    **{i: (1, 14, "dev-d", f"1370000{i:04d}") for i in range(30, 33)},  # ring D
    **{i: (1, 15, "dev-u", f"1360000{i:04d}") for i in range(40, 43)},  # ring U
}
DAY2 = {
    60: (2, 9, "dev-ring", "13900000060"),  # a new customer joins ring R
    50: (2, 10, "dev-b", "13700000030"),  # bridges B and D: they merge
    1: (2, 11, "dev-ring", "13500000001"),  # an approved customer of day 1 joins ring R
}


def _app(app_no: int, cust: int, spec: tuple[int, int, str, str] | None) -> dict[str, Any]:
    day, hour, device, phone = spec or (1, 8, f"own-{cust}", f"1350000{cust:04d}")
    return application(
        app_no,
        f"C{cust:04d}",
        created_at=f"2026-03-{day:02d}T{hour:02d}:00:00+00:00",
        device_id=device,
        phone=phone,
        ip=f"10.9.{cust}.1",
    )


def _world(folder: Path, new: dict[int, tuple[int, int, str, str]], first: bool) -> Path:
    folder.mkdir(parents=True)
    people = sorted(set(range(45)) | set(new)) if first else sorted(new)
    write_jsonl(folder / "customers.jsonl", [customer(i) for i in people])
    apps = [_app(i, i, new.get(i)) for i in people] if first else []
    apps += [_app(1000 + i, i, spec) for i, spec in new.items()] if not first else []
    write_jsonl(folder / "applications.jsonl", apps)
    opened = "2025-01-01T00:00:00+00:00" if first else "2026-03-02T08:00:00+00:00"
    accounts = [account(i, f"C{i:04d}") | {"opened_at": opened} for i in people if first or i >= 45]
    write_jsonl(folder / "accounts.jsonl", accounts)
    write_jsonl(folder / "transactions.jsonl", [])
    (folder / "manifest.json").write_text(json.dumps({"format": "fraudgraph-synth/1"}))
    return folder


def _load(driver: Driver, settings: Settings, folder: Path) -> None:
    init_schema(driver, settings.neo4j_database)
    loader = Loader(driver, settings.neo4j_database, state_dir=folder.parent / "state",
                    extractor=FieldExtractor(), batch_size=100, progress=False)  # fmt: skip
    loader.load(folder, synth_files(folder))


def _ring_of(result: DetectionResult, member: str) -> str:
    return next(rid for rid, ring, _ in result.rings if member in ring.candidate.members)


def test_rings_are_stable_reviewed_and_labelled(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    db = neo4j_settings.neo4j_database
    detector = RingDetector(RingConfig())
    _load(driver, neo4j_settings, _world(tmp_path / "day1", DAY1, first=True))
    first = detector.detect(driver, db)
    ring_r, ring_b = _ring_of(first, "Customer:C0010"), _ring_of(first, "Customer:C0020")
    ring_d, ring_u = _ring_of(first, "Customer:C0030"), _ring_of(first, "Customer:C0040")
    assert len({ring_r, ring_b, ring_d, ring_u}) == 4
    assert len(first.rings) == 4  # the 35 customers on their own devices form no ring
    store = RingStore(driver, db)
    shown = store.get(ring_r)
    assert shown["ring"]["status"] == "OPEN"
    assert "dev-ring" in shown["ring"]["explanation_en"]
    assert {m["key"] for m in shown["members"]} >= {"Customer:C0010", "Application:A00013"}

    loaded_at = datetime.now(UTC)
    _load(driver, neo4j_settings, _world(tmp_path / "day2", DAY2, first=False))
    day2 = datetime(2026, 3, 2, tzinfo=UTC)
    second = detector.detect(driver, db, since=day2.timestamp())
    assert _ring_of(second, "Customer:C0060") == ring_r  # joined, same id
    assert _ring_of(second, "Customer:C0010") == ring_r
    merged = _ring_of(second, "Customer:C0050")
    assert merged in {ring_b, ring_d}
    absorbed = ({ring_b, ring_d} - {merged}).pop()
    assert second.retired == [absorbed]
    assert ring_u not in second.retired  # untouched by the new day: left alone
    assert {r["ring_id"] for r in store.list_rings()} == {ring_r, merged, ring_u}
    trail = [(e["action"], e["note"]) for e in store.get(merged)["events"]]
    assert ("MERGED", f"absorbed {absorbed}") in trail

    alerts = post_approval_alerts(driver, db, linked_after=loaded_at, approved_before=day2)
    assert sorted((a.member, a.ring_id) for a in alerts) == [
        ("Account:AC00001", ring_r),
        ("Customer:C0001", ring_r),
    ]  # the new customer C0060 and the members of the merged ring were not approved before

    assert store.review(ring_r, "confirmed", "alice", "same device, same day") == "OPEN"
    store.review(merged, "IN_REVIEW", "bob")
    store.review(merged, "DISMISSED", "bob", "a family")
    events = [e for e in store.get(ring_r)["events"] if e["action"] == "REVIEW"]
    assert [(e["reviewer"], e["from_status"], e["to_status"], e["note"]) for e in events] == [
        ("alice", "OPEN", "CONFIRMED", "same device, same day")
    ]
    labels = review_labels(driver, db)
    assert labels["Customer:C0060"] == 1
    assert labels["Application:A00010"] == 1
    assert labels["Customer:C0050"] == 0
    assert "Customer:C0040" not in labels  # ring U was never reviewed
