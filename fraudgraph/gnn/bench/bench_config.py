"""Per-dataset settings of the GNN benchmark, read from ``gnn/bench.json`` when present."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraudgraph.errors import ConfigurationError

DEFAULT_MODEL: dict[str, Any] = {
    "hidden_channels": 64,
    "num_layers": 2,
    "message_channels": 32,
    "aggregators": ["mean", "std"],
    "dropout": 0.2,
}
DEFAULT_TRAIN: dict[str, Any] = {"epochs": 120, "lr": 0.005, "patience": 25}


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """Model kwargs, training settings, feature mode and trees settings for one dataset.

    ``label_features`` appends known-label neighbourhood counts (from each split's training
    labels) to the inputs of both trees and GNN. ``stack_metric`` (``auprc`` or ``roc_auc``)
    picks the blend weight on validation; AUC is steadier with few validation positives.
    ``label_rates`` appends :class:`NeighbourLabelRates` (fraud rates of the neighbours'
    neighbourhoods, from each split's training labels) to the trees' inputs only, and
    ``trees_bags`` averages that many trees models trained with different seeds.
    """

    model: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_MODEL))
    train: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_TRAIN))
    feature_mode: str = "neighbour"
    trees: dict[str, Any] = field(default_factory=dict)
    trees_patience: int = 200
    trees_metric: str = "average_precision"
    label_features: bool = False
    stack_metric: str = "auprc"
    label_rates: bool = False
    trees_bags: int = 1

    @classmethod
    def for_dataset(cls, path: Path | None, dataset: str) -> BenchConfig:
        """Entry ``dataset`` (else ``default``) of the JSON at ``path``; built-ins if absent."""
        if path is None or not path.is_file():
            return cls()
        try:
            table: dict[str, Any] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigurationError(f"unreadable benchmark config {path}: {exc}") from exc
        entry = table.get(dataset, table.get("default", {}))
        return cls(
            model={**DEFAULT_MODEL, **entry.get("model", {})},
            train={**DEFAULT_TRAIN, **entry.get("train", {})},
            feature_mode=entry.get("feature_mode", "neighbour"),
            trees=entry.get("trees", {}),
            trees_patience=int(entry.get("trees_patience", 200)),
            trees_metric=str(entry.get("trees_metric", "average_precision")),
            label_features=bool(entry.get("label_features", False)),
            stack_metric=str(entry.get("stack_metric", "auprc")),
            label_rates=bool(entry.get("label_rates", False)),
            trees_bags=max(1, int(entry.get("trees_bags", 1))),
        )
