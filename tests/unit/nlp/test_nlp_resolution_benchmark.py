"""benchmarks/resolution.py on a small generated world: the JSON's metrics per entity type."""

from __future__ import annotations

from pathlib import Path

from benchmarks.resolution import GOALS, metrics_of, run
from fraudgraph.synth import WorldConfig, generate_world


def test_metrics_flatten_each_type_and_prefer_keys_joined_by_same_as() -> None:
    report = {
        "by_type": {
            "customer": {"precision": 1.0, "recall": 0.5},
            "employer": {
                "keys": {"precision": 0.9, "recall": 0.4},
                "keys_and_same_as": {"precision": 0.8, "recall": 0.7},
            },
        }
    }
    assert metrics_of(report) == {
        "customer_precision": 1.0, "customer_recall": 0.5,
        "employer_keys_precision": 0.9, "employer_keys_recall": 0.4,
        "employer_precision": 0.8, "employer_recall": 0.7,
    }  # fmt: skip


def test_a_small_world_is_scored_per_type_against_the_customer_goal(tmp_path: Path) -> None:
    world = tmp_path / "world"
    generate_world(world, WorldConfig(applications=300, seed=3))
    metrics, dataset = run(world)
    assert "300 applications, seed 3" in dataset
    for kind in ("customer", "customer_ids", "address", "employer"):
        assert 0.0 <= metrics[f"{kind}_precision"] <= 1.0
        assert 0.0 <= metrics[f"{kind}_recall"] <= 1.0
    assert metrics["customer_precision"] >= GOALS["customer_precision"]
    assert metrics["customer_recall"] >= GOALS["customer_recall"]
    # Same-as links only ever join keys: they cannot lose pairs the keys already had.
    assert metrics["employer_recall"] >= metrics["employer_keys_recall"]
