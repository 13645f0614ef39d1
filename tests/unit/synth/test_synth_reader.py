"""The reader streams the files back as typed records and rejects broken input clearly."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from fraudgraph.errors import IngestError, InvalidInputError
from fraudgraph.synth.reader import (
    read_accounts,
    read_annotations,
    read_applications,
    read_benign_groups,
    read_customers,
    read_identity,
    read_labels,
    read_manifest,
    read_rings,
    read_transactions,
)
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world
from fraudgraph.types import Application, Product


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("reader_world")
    generate_world(out, WorldConfig(applications=200, transactions=2000, seed=3, days=45))
    return out


def as_json(record: Any) -> dict[str, Any]:
    """Serialise a dataclass back the way the generator writes it."""
    result = {}
    for key, value in dataclasses.asdict(record).items():
        result[key] = value.isoformat() if isinstance(value, datetime) else value
    return result


def test_applications_round_trip(world: Path) -> None:
    raw = [json.loads(line) for line in (world / "applications.jsonl").open(encoding="utf-8")]
    typed = list(read_applications(world))
    assert len(typed) == len(raw) == 200
    assert all(isinstance(a, Application) and a.created_at.tzinfo for a in typed)
    assert {a.product for a in typed} == {Product.LOAN, Product.CARD}
    assert [as_json(a) for a in typed] == raw


def test_transactions_and_accounts_round_trip(world: Path) -> None:
    raw = [json.loads(line) for line in (world / "transactions.jsonl").open(encoding="utf-8")]
    typed = list(read_transactions(world))
    assert [as_json(t) for t in typed] == raw
    assert [t.timestamp for t in typed] == sorted(t.timestamp for t in typed)
    accounts = list(read_accounts(world))
    external = [a for a in accounts if a.customer_id is None]
    assert external
    assert all(a.opened_at is None for a in external)
    raw_accounts = [json.loads(line) for line in (world / "accounts.jsonl").open(encoding="utf-8")]
    assert [as_json(a) for a in accounts] == raw_accounts


def test_truth_files_are_readable(world: Path) -> None:
    manifest = read_manifest(world)
    assert manifest["counts"]["customers"] == len(list(read_customers(world)))
    labels = list(read_labels(world))
    assert any(label.is_fraud for label in labels)
    rings = list(read_rings(world))
    assert len(rings) == manifest["counts"]["rings"]
    assert all(r.start is not None and r.members for r in rings)
    assert list(read_benign_groups(world))
    assert len(list(read_identity(world))) == 200
    annotations = list(read_annotations(world))
    entity = next(e for a in annotations for e in a.entities)
    assert entity.end > entity.start


def test_missing_world_raises_ingest_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError):
        read_manifest(tmp_path)
    with pytest.raises(IngestError):
        read_applications(tmp_path)


def test_malformed_line_names_file_and_line(world: Path, tmp_path: Path) -> None:
    lines = (world / "applications.jsonl").read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    broken["created_at"] = "yesterday"
    lines[1] = json.dumps(broken, ensure_ascii=False)
    (tmp_path / "applications.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = read_applications(tmp_path)
    next(reader)
    with pytest.raises(InvalidInputError, match=r"applications\.jsonl:2"):
        next(reader)


def test_wrong_format_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other/9"}), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="format"):
        read_manifest(tmp_path)


def test_config_validation_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match="applications"):
        WorldConfig(applications=5)
    with pytest.raises(InvalidInputError, match="days"):
        WorldConfig(applications=500, days=3)
    with pytest.raises(InvalidInputError, match="transactions"):
        WorldConfig(applications=500, transactions=10)
    assert WorldConfig(applications=500, start=date(2024, 1, 1)).total_transactions == 5000
