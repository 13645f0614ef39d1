"""Calibration from synth folders (written here in the synth layout)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fraudgraph.rings.ring_calibration import (
    calibrate,
    labelled_candidates,
    planted_members,
    snapshot_from_synth,
)
from fraudgraph.rings.ring_detector import RingConfig


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _world(folder: Path) -> Path:
    apps = []
    for i in range(10):
        ring = i < 4  # four applications in one morning on one device: planted
        family = i in (5, 6, 7)  # three relatives months apart at one address: benign
        apps.append(
            {
                "application_id": f"A{i}",
                "customer_id": f"C{i}",
                "created_at": f"2025-{1 + 5 * (i == 7):02d}-01T0{i % 10}:00:00+08:00",
                "phone": f"139{i:08d}",
                "email": "",
                "id_number": "",
                "employer": "",
                "address": "home-1" if family else f"street {i}",
                "device_id": "dev-ring" if ring else f"dev-{i}",
                "ip": f"10.0.0.{i}",
            }
        )
    _write(folder / "applications.jsonl", apps)
    _write(
        folder / "accounts.jsonl",
        [{"account_id": f"AC{i}", "customer_id": f"C{i}"} for i in range(10)],
    )
    _write(
        folder / "transactions.jsonl",
        [
            {
                "transaction_id": "T1",
                "payer_account": "AC1",
                "payee_account": "AC2",
                "amount": 10.0,
                "timestamp": "2025-02-01T00:00:00+08:00",
                "device_id": "",
                "ip": "",
            }
        ],
    )
    members = [
        {"node_type": t, "id": f"{p}{i}"}
        for i in range(4)
        for t, p in (("customer", "C"), ("application", "A"), ("account", "AC"))
    ]
    _write(
        folder / "truth" / "rings.jsonl",
        [{"ring_id": "R0", "pattern": "device_burst", "members": members}],
    )
    return folder


def test_synth_folder_becomes_a_snapshot(tmp_path: Path) -> None:
    snap = snapshot_from_synth(_world(tmp_path / "w"))
    assert snap.transfers is not None
    assert len(snap.transfers) == 1
    assert snap.owner_of["AC3"] == "C3"
    assert sorted(snap.records_of["C0"]) == ["Account:AC0", "Application:A0"]
    assert snap.links.kinds.count("Device") == 10
    assert [p for p, _ in planted_members(tmp_path / "w")] == ["device_burst"]


def test_candidates_are_labelled_against_the_truth(tmp_path: Path) -> None:
    world = _world(tmp_path / "w")
    candidates, labels = labelled_candidates(world, RingConfig())
    by_label = {c.pattern: label for c, label in zip(candidates, labels, strict=True)}
    assert by_label == {"device_burst": 1, "shared_identifier": 0}
    scorer = calibrate([world, world], RingConfig())
    ring, family = sorted(scorer.score(candidates), key=lambda r: -r.score)
    assert ring.candidate.pattern == "device_burst"
    assert ring.score > 0.5 > family.score
