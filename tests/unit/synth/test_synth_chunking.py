"""Bounded memory: transactions are generated one day at a time, never all at once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from fraudgraph.synth.flow_planner import Flow
from fraudgraph.synth.ledger import Ledger
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world


def test_ledger_holds_one_day_of_background_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    batches: list[tuple[int, int]] = []
    original = Ledger._background

    def spy(self: Ledger, day: int, count: int) -> list[Flow]:
        rows = original(self, day, count)
        batches.append((day, len(rows)))
        return rows

    monkeypatch.setattr(Ledger, "_background", spy)
    config = WorldConfig(
        applications=150, transactions=9000, seed=5, start=date(2025, 3, 1), days=60
    )
    summary = generate_world(tmp_path, config)
    assert [day for day, _ in batches] == list(range(60))  # one batch per day, in order
    sizes = np.array([size for _, size in batches])
    assert sizes.sum() <= summary.counts["transactions"]
    assert sizes.max() < 3 * summary.counts["transactions"] / 60  # no batch holds the whole set


def test_background_day_only_contains_that_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int, int]] = []
    original = Ledger._background

    def spy(self: Ledger, day: int, count: int) -> list[Flow]:
        rows = original(self, day, count)
        if rows:
            seen.append((day, min(r[0] for r in rows), max(r[0] for r in rows)))
        return rows

    monkeypatch.setattr(Ledger, "_background", spy)
    generate_world(tmp_path, WorldConfig(applications=150, transactions=3000, seed=9, days=30))
    for day, first, last in seen:
        assert day * 86_400 <= first <= last < (day + 1) * 86_400
