"""Training a small GNN on the knowledge graph for the service, and registering it.

``fraudgraph train`` trains on the public data sets; a model the service can load must be
trained on the service's own graph projection (:class:`ServingGraph`), so its registry entry
records the target node type and the feature names the service checks before scoring.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from fraudgraph.gnn.data.exported_graph import exported_dataset
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.registry import ModelRecord, ModelRegistry
from fraudgraph.gnn.training.metrics import all_metrics
from fraudgraph.gnn.training.train_config import TrainConfig
from fraudgraph.gnn.training.trainer import Trainer
from fraudgraph.graph.pyg_export import ExportedGraph


class ServingModelTrainer:
    """Trains a SepGNN on an export with labels and saves it to the registry."""

    def __init__(self, registry: ModelRegistry, *, hidden: int = 32, epochs: int = 60) -> None:
        self._registry = registry
        self._hidden = hidden
        self._epochs = epochs

    def train(
        self,
        exported: ExportedGraph,
        target: str,
        labels: Mapping[str, int],
        *,
        seed: int = 0,
    ) -> ModelRecord:
        """Train on the earliest labelled ``target`` nodes (``labels``: natural key -> 0/1)."""
        y = torch.full((len(exported.keys[target]),), -1, dtype=torch.long)
        for i, key in enumerate(exported.keys[target]):
            if key in labels:
                y[i] = int(labels[key])
        exported.data[target].y = y
        dataset = exported_dataset(exported, target, name=f"serving-{target.lower()}")
        split = dataset.splits[0]
        transform = InputTransform("neighbour", directed=False)
        data = dataset.data.clone()
        data.x = transform.fit(dataset.data.x, dataset.data.edge_index)
        kwargs = {"in_channels": int(data.x.size(1)), "hidden_channels": self._hidden,
                  "num_layers": 2, "aggregators": ["mean", "std"]}  # fmt: skip
        config = TrainConfig(epochs=self._epochs, patience=max(self._epochs // 3, 1), seed=seed,
                             device="cpu", amp=False, progress=False)  # fmt: skip
        torch.manual_seed(seed)
        model = SepGNN(**kwargs)  # type: ignore[arg-type]
        trainer = Trainer(model, config)
        result = trainer.fit(data, split.train, split.val)
        scores = trainer.predict(data, split.test).numpy()
        truth = data.y[split.test].numpy()
        metrics = {f"test_{k}": v for k, v in all_metrics(truth, scores).items()}
        metrics.update(best_val_auprc=result.best_val_auprc, epochs_run=result.epochs_run)
        schema = {"target": target, "node_features": dataset.feature_names,
                  "edge_features": [], "directed": False, "feature_mode": transform.mode,
                  "input_width": kwargs["in_channels"]}  # fmt: skip
        return self._registry.save(
            model.cpu(),
            config={"model": {"class": "SepGNN", "kwargs": kwargs}, "train": config.to_dict(),
                    "dataset": {**dataset.summary(), "split": split.name}},
            transform=transform, feature_schema=schema, metrics=metrics,
            fingerprint=dataset.fingerprint(),
        )  # fmt: skip
