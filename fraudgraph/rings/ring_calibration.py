"""Calibrating the ring scorer on synthetic worlds with planted truth.

Worlds are read straight from their ``fraudgraph synth`` folders (raw field values as identifier
keys, no NLP, no Neo4j), so many can be used in minutes. Candidates whose members are at least
half planted-ring members are the positives.
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from fraudgraph.errors import InvalidInputError
from fraudgraph.rings.graph_snapshot import GraphSnapshot, IdentifierLinks, Transfers
from fraudgraph.rings.ring_candidate import RingCandidate
from fraudgraph.rings.ring_detector import RingConfig, RingDetector
from fraudgraph.rings.ring_scorer import RingScorer

TRUTH_LABELS = {"customer": "Customer", "application": "Application", "account": "Account"}
APPLICATION_FIELDS = {
    "phone": "Phone",
    "email": "Email",
    "id_number": "IdNumber",
    "address": "Address",
    "employer": "Organization",
    "device_id": "Device",
    "ip": "IP",
}


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        raise InvalidInputError(f"{path} not found: not a synth output folder", field="world")
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _plain_key(kind: str, value: str) -> str:
    """A rough stand-in for the ingest stage's identifier normalisation (width, spacing,
    case, the Chinese country code), so that messy copies of one identifier meet."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    if kind == "Phone":
        digits = "".join(ch for ch in text if ch.isdigit())
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
                return digits[len(prefix) :]
        return digits
    if kind in ("IdNumber", "Device"):
        return text.replace("-", "").upper() if kind == "IdNumber" else text.upper()
    return text.lower() if kind == "Email" else text


class _LinkColumns:
    """Accumulates identifier links column by column."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = defaultdict(list)

    def add(self, customer: str, record: str, kind: str, key: str, at: float, via: bool) -> None:
        key = _plain_key(kind, key)
        if not key:
            return
        for name, value in zip("crkvtx", (customer, record, kind, key, at, via), strict=True):
            self.cols[name].append(value)

    def links(self) -> IdentifierLinks:
        c = self.cols
        return IdentifierLinks(
            c["c"],
            c["r"],
            c["k"],
            c["v"],
            np.asarray(c["t"], dtype=float),
            np.asarray(c["x"], dtype=bool),
        )


def snapshot_from_synth(world: Path) -> GraphSnapshot:
    """The arrays the Neo4j export yields, read from a synth folder's JSONL files."""
    links = _LinkColumns()
    records_of: dict[str, list[str]] = defaultdict(list)
    for row in _rows(world / "applications.jsonl"):
        record = f"Application:{row['application_id']}"
        records_of[row["customer_id"]].append(record)
        at = _epoch(row["created_at"])
        for name, kind in APPLICATION_FIELDS.items():
            links.add(row["customer_id"], record, kind, str(row.get(name) or ""), at, False)
    owner_of: dict[str, str] = {}
    for row in _rows(world / "accounts.jsonl"):
        if row.get("customer_id"):
            records_of[row["customer_id"]].append(f"Account:{row['account_id']}")
            owner_of[row["account_id"]] = row["customer_id"]
    tx: dict[str, list[Any]] = defaultdict(list)
    for row in _rows(world / "transactions.jsonl"):
        at = _epoch(row["timestamp"])
        for name in ("payer_account", "payee_account", "transaction_id"):
            tx[name].append(row[name])
        tx["amount"].append(float(row["amount"]))
        tx["at"].append(at)
        owner = owner_of.get(row["payer_account"])
        for name in ("device_id", "ip") if owner else ():
            key = str(row.get(name) or "")
            links.add(
                owner or "",
                f"Account:{row['payer_account']}",
                APPLICATION_FIELDS[name],
                key,
                at,
                True,
            )
    snap = GraphSnapshot(links=links.links(), records_of=dict(records_of), owner_of=owner_of)
    snap.transfers = Transfers.from_columns(
        tx["payer_account"], tx["payee_account"], tx["amount"], tx["at"], tx["transaction_id"]
    )
    return snap


def planted_members(world: Path) -> list[tuple[str, frozenset[str]]]:
    """(pattern, member keys) of every planted ring of a world."""
    return [
        (
            row["pattern"],
            frozenset(f"{TRUTH_LABELS[m['node_type']]}:{m['id']}" for m in row["members"]),
        )
        for row in _rows(world / "truth" / "rings.jsonl")
    ]


def labelled_candidates(world: Path, config: RingConfig) -> tuple[list[RingCandidate], list[int]]:
    """A world's candidates, labelled 1 when at least half their members are planted."""
    fraud = frozenset().union(*(m for _, m in planted_members(world)))
    candidates = RingDetector(config).candidates(snapshot_from_synth(world))
    labels = [int(len(c.members & fraud) >= 0.5 * len(c.members)) for c in candidates]
    return candidates, labels


def calibrate(worlds: Sequence[Path], config: RingConfig) -> RingScorer:
    """Fit a ring scorer on the candidates of several synthetic worlds."""
    candidates: list[RingCandidate] = []
    labels: list[int] = []
    for world in worlds:
        found, marks = labelled_candidates(world, config)
        candidates += found
        labels += marks
    scorer = RingScorer()
    scorer.fit(candidates, labels)
    return scorer
