"""The model team's loop from a notebook: export, train, compare with trees, choose, promote.

Everything reuses the GNN stage: :class:`GraphExporter` (Neo4j -> PyG), the time split of
:func:`exported_dataset`, :class:`SepGNN` with its :class:`Trainer`, the LightGBM
:class:`TreesBaseline` on :class:`NeighbourFeatures`, and the :class:`ModelRegistry` the
service loads its promoted model from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from neo4j import Driver
from scipy.stats import rankdata

from fraudgraph.errors import InvalidInputError
from fraudgraph.explore.graph_drawing import PngView
from fraudgraph.gnn.data.graph_dataset import GraphDataset
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.models.trees_baseline import TreesBaseline
from fraudgraph.gnn.neighbour_features import NeighbourFeatures
from fraudgraph.gnn.registry import ModelRecord, ModelRegistry
from fraudgraph.gnn.training.metrics import all_metrics, auprc
from fraudgraph.gnn.training.train_config import TrainConfig
from fraudgraph.gnn.training.trainer import Trainer
from fraudgraph.graph.pyg_export import ExportedGraph, GraphExporter

NODE_TYPES = {"application": "Application", "account": "Account", "customer": "Customer"}
MODEL_KWARGS: dict[str, Any] = {
    "hidden_channels": 32, "num_layers": 2, "message_channels": 16,
    "aggregators": ["mean", "std"], "dropout": 0.2,
}  # fmt: skip
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(slots=True)
class ModelRun:
    """Scores of each method on the validation and test nodes of one time split."""

    dataset: GraphDataset
    y_val: np.ndarray[Any, np.dtype[np.int64]]
    y_test: np.ndarray[Any, np.dtype[np.int64]]
    val: dict[str, FloatArray] = field(default_factory=dict)
    test: dict[str, FloatArray] = field(default_factory=dict)
    gnn: SepGNN | None = None
    transform: InputTransform | None = None
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    train_config: TrainConfig | None = None
    stack_weight: float = 0.5


@dataclass(frozen=True, slots=True)
class Threshold:
    """A score cut chosen on validation, with what it gives on test."""

    method: str
    threshold: float
    val_precision: float
    val_recall: float
    test_precision: float
    test_recall: float


class ModelLab:
    """Export, train, compare, choose a threshold and promote, one call per notebook cell."""

    def __init__(self, driver: Driver, database: str, models_dir: Path) -> None:
        self._driver = driver
        self._database = database
        self.registry = ModelRegistry(models_dir)

    @staticmethod
    def world_labels(world: Path) -> dict[tuple[str, str], int]:
        """Ground-truth labels of a synthetic world: {(label, natural key): 0/1}."""
        from fraudgraph.synth.reader import read_labels

        return {(NODE_TYPES[x.node_type], x.id): int(x.is_fraud) for x in read_labels(world)}

    def export(self, labels: Mapping[tuple[str, str], int]) -> ExportedGraph:
        """The graph as PyG tensors, with ``labels`` on the labelled nodes."""
        return GraphExporter(self._driver, self._database).export(labels)

    @staticmethod
    def dataset(exported: ExportedGraph, target: str = "Application") -> GraphDataset:
        """``target`` nodes, split by time: train on the past, test on the future."""
        from fraudgraph.gnn.data.exported_graph import exported_dataset

        return exported_dataset(exported, target, name=f"export-{target.lower()}")

    def train(self, dataset: GraphDataset, *, epochs: int = 60, seed: int = 0) -> ModelRun:
        """Train the SepGNN and the trees baseline; blend them on validation (rank average)."""
        split = dataset.splits[0]
        y = dataset.data.y.numpy()
        run = ModelRun(dataset, y[split.val.numpy()], y[split.test.numpy()])
        self._train_trees(run)
        self._train_gnn(run, epochs, seed)
        weights = np.linspace(0.0, 1.0, 11)
        run.stack_weight = float(
            max(weights, key=lambda w: auprc(run.y_val, _blend(run.val, float(w))))
        )
        run.val["stack"] = _blend(run.val, run.stack_weight)
        run.test["stack"] = _blend(run.test, run.stack_weight)
        return run

    @staticmethod
    def compare(run: ModelRun) -> list[dict[str, Any]]:
        """Test metrics per method (ROC AUC, AUPRC, recall at k), one row each."""
        return [
            {"method": m, **{k: round(v, 4) for k, v in all_metrics(run.y_test, s).items()}}
            for m, s in run.test.items()
        ]

    @staticmethod
    def pr_curves(run: ModelRun) -> PngView:
        """Precision-recall curves of every method on the test nodes."""
        import io

        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from sklearn.metrics import precision_recall_curve

        fig, ax = plt.subplots(figsize=(6.5, 4.5), dpi=110)
        for method, scores in run.test.items():
            precision, recall, _ = precision_recall_curve(run.y_test, scores)
            ax.plot(recall, precision, label=f"{method} (AP {auprc(run.y_test, scores):.3f})")
        ax.axhline(float(run.y_test.mean()), color="grey", linestyle=":", label="base rate")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(f"{run.dataset.name}: test nodes (latest by time)")
        ax.legend(loc="lower left", fontsize=8)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        plt.close(fig)
        return PngView(buffer.getvalue())

    @staticmethod
    def choose_threshold(
        run: ModelRun, method: str = "stack", min_precision: float = 0.8
    ) -> Threshold:
        """Lowest cut whose validation precision reaches ``min_precision`` (most recall)."""
        if method not in run.val:
            raise InvalidInputError(f"no method {method!r} ({', '.join(run.val)})", field="method")
        scores, y = run.val[method], run.y_val
        best: float | None = None
        for cut in np.unique(scores)[::-1]:
            if _precision(y, scores >= cut) >= min_precision:
                best = float(cut)
        if best is None:
            best = float(scores.max())
        test_hit = run.test[method] >= best
        return Threshold(
            method, best, _precision(y, scores >= best), _recall(y, scores >= best),
            _precision(run.y_test, test_hit), _recall(run.y_test, test_hit),
        )  # fmt: skip

    def register(self, run: ModelRun) -> ModelRecord:
        """Save the run's GNN as a new registry version (not promoted yet)."""
        if run.gnn is None or run.transform is None or run.train_config is None:
            raise InvalidInputError("the run has no trained GNN", field="run")
        metrics = {f"test_{k}": v for k, v in all_metrics(run.y_test, run.test["gnn"]).items()}
        metrics["trees_test_auprc"] = auprc(run.y_test, run.test["trees"])
        schema = {
            "node_features": run.dataset.feature_names,
            "edge_features": run.dataset.edge_feature_names,
            "directed": run.dataset.directed,
            "feature_mode": "neighbour",
            "input_width": run.model_kwargs["in_channels"],
        }
        return self.registry.save(
            run.gnn.cpu(),
            config={"model": {"class": "SepGNN", "kwargs": run.model_kwargs},
                    "train": run.train_config.to_dict(),
                    "dataset": {**run.dataset.summary(), "split": run.dataset.splits[0].name}},
            transform=run.transform, feature_schema=schema, metrics=metrics,
            fingerprint=run.dataset.fingerprint(),
        )  # fmt: skip

    def promote(self, version: str) -> ModelRecord:
        """Make ``version`` the model the scoring service loads."""
        return self.registry.promote(version)

    def versions(self) -> list[dict[str, Any]]:
        """Registered models with their test AUPRC (``promoted`` marks the live one)."""
        return [
            {"version": r.version, "promoted": r.promoted,
             "dataset": r.config.get("dataset", {}).get("name"),
             "test_auprc": r.metrics.get("test_auprc"),
             "trees_test_auprc": r.metrics.get("trees_test_auprc")}
            for r in self.registry.list()
        ]  # fmt: skip

    @staticmethod
    def _train_trees(run: ModelRun) -> None:
        data, split = run.dataset.data, run.dataset.splits[0]
        x, _ = NeighbourFeatures().build(
            data.x, data.edge_index, run.dataset.directed, run.dataset.feature_names
        )
        rows = x.numpy()
        y = data.y.numpy()
        tr, va, te = (s.numpy() for s in (split.train, split.val, split.test))
        trees = TreesBaseline(patience=50)
        trees.fit(rows[tr], y[tr], rows[va], y[va])
        run.val["trees"], run.test["trees"] = (
            trees.predict_proba(rows[va]),
            trees.predict_proba(rows[te]),
        )

    @staticmethod
    def _train_gnn(run: ModelRun, epochs: int, seed: int) -> None:
        dataset, split = run.dataset, run.dataset.splits[0]
        transform = InputTransform("neighbour", dataset.directed)
        data = dataset.data.clone()
        data.x = transform.fit(dataset.data.x, dataset.data.edge_index)
        kwargs = {"in_channels": int(data.x.size(1)), "directed": dataset.directed,
                  "edge_dim": dataset.edge_dim, **MODEL_KWARGS}  # fmt: skip
        torch.manual_seed(seed)
        model = SepGNN(**kwargs)
        config = TrainConfig(epochs=epochs, patience=20, seed=seed, device="cpu", progress=False)
        trainer = Trainer(model, config, directed=dataset.directed)
        trainer.fit(data, split.train, split.val)
        run.val["gnn"] = trainer.predict(data, split.val).numpy().astype(np.float64)
        run.test["gnn"] = trainer.predict(data, split.test).numpy().astype(np.float64)
        run.gnn, run.transform, run.model_kwargs, run.train_config = (
            model,
            transform,
            kwargs,
            config,
        )


def _blend(scores: Mapping[str, FloatArray], trees_weight: float) -> FloatArray:
    """Rank average of the trees and GNN scores (robust to their different calibration)."""
    trees, gnn = rankdata(scores["trees"]), rankdata(scores["gnn"])
    n = max(len(trees), 1)
    return np.asarray((trees_weight * trees + (1.0 - trees_weight) * gnn) / n, dtype=np.float64)


def _precision(y: np.ndarray[Any, Any], hit: np.ndarray[Any, Any]) -> float:
    return float(y[hit].mean()) if hit.any() else 0.0


def _recall(y: np.ndarray[Any, Any], hit: np.ndarray[Any, Any]) -> float:
    positives = int((y == 1).sum())
    return float((y[hit] == 1).sum() / positives) if positives else 0.0
