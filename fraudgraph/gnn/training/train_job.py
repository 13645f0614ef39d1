"""One `fraudgraph train` run: load data, train a SepGNN, evaluate, register (rank 0)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.data.dataset_catalog import DatasetCatalog
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.registry import ModelRecord, ModelRegistry
from fraudgraph.gnn.training.metrics import all_metrics
from fraudgraph.gnn.training.train_config import TrainConfig
from fraudgraph.gnn.training.trainer import Trainer


@dataclass(frozen=True, slots=True)
class TrainJob:
    """Inputs of a training run; JSON-serialisable so torchrun workers can receive it."""

    dataset: str
    datasets_root: str
    split: int = 0
    feature_mode: str = "neighbour"
    model: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] = field(default_factory=dict)
    models_dir: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)

    def train_config(self) -> TrainConfig:
        """The :class:`TrainConfig` described by ``train``."""
        values = dict(self.train)
        if "fanouts" in values:
            values["fanouts"] = tuple(values["fanouts"])
        if values.get("checkpoint_dir"):
            values["checkpoint_dir"] = Path(values["checkpoint_dir"])
        return TrainConfig(**values)

    def run(self, rank: int = 0, world: int = 1) -> dict[str, Any]:
        """Train (DDP when ``world`` > 1 and a process group is up); returns a summary."""
        dataset = DatasetCatalog(Path(self.datasets_root)).load(self.dataset)
        if not 0 <= self.split < len(dataset.splits):
            raise InvalidInputError(f"dataset has {len(dataset.splits)} splits", field="split")
        split = dataset.splits[self.split]
        transform = InputTransform(self.feature_mode, dataset.directed)
        data = dataset.data.clone()
        data.x = transform.fit(dataset.data.x, dataset.data.edge_index)
        kwargs = {
            "in_channels": int(data.x.size(1)),
            "directed": dataset.directed,
            "edge_dim": dataset.edge_dim,
            **self.model,
        }
        config = self.train_config()
        torch.manual_seed(config.seed)
        model = SepGNN(**kwargs)
        wrapped: nn.Module = model
        if world > 1:
            wrapped = torch.nn.parallel.DistributedDataParallel(model)
        trainer = Trainer(wrapped, config, directed=dataset.directed, rank=rank)
        result = trainer.fit(data, split.train, split.val, shard=(rank, world))
        scores = trainer.predict(data, split.test).numpy()
        metrics: dict[str, Any] = {
            f"test_{k}": v for k, v in all_metrics(data.y[split.test].numpy(), scores).items()
        }
        metrics.update(
            best_val_auprc=result.best_val_auprc,
            best_epoch=result.best_epoch,
            epochs_run=result.epochs_run,
            train_seconds=round(result.seconds, 2),
        )
        summary: dict[str, Any] = {"metrics": metrics, "version": None}
        if rank == 0 and self.models_dir is not None:
            record = self._register(model, kwargs, config, transform, dataset, metrics)
            summary["version"] = record.version
        return summary

    def _register(
        self,
        model: nn.Module,
        kwargs: dict[str, Any],
        config: TrainConfig,
        transform: InputTransform,
        dataset: Any,
        metrics: dict[str, Any],
    ) -> ModelRecord:
        assert self.models_dir is not None
        registry = ModelRegistry(Path(self.models_dir))
        schema = {
            "node_features": dataset.feature_names,
            "edge_features": dataset.edge_feature_names,
            "directed": dataset.directed,
            "feature_mode": self.feature_mode,
            "input_width": kwargs["in_channels"],
        }
        return registry.save(
            model.cpu(),
            config={
                "model": {"class": "SepGNN", "kwargs": kwargs},
                "train": config.to_dict(),
                "dataset": {**dataset.summary(), "split": dataset.splits[self.split].name},
            },
            transform=transform,
            feature_schema=schema,
            metrics=metrics,
            fingerprint=dataset.fingerprint(),
        )
