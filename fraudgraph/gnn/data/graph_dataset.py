"""A graph with node labels and evaluation splits: what every model and benchmark consumes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch_geometric.data import Data

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.data.split import Split


@dataclass(slots=True)
class GraphDataset:
    """A homogeneous node-classification graph plus its splits.

    ``data`` is a :class:`torch_geometric.data.Data` with ``x`` [N, F] float, ``y`` [N] long
    (1 = fraud, 0 = normal, -1 = unlabelled), ``edge_index`` [2, E] and optionally
    ``edge_attr`` [E, D]. ``directed`` says whether ``edge_index`` keeps direction (transfers)
    or already holds both directions of every link. A Neo4j export plugs in through
    :meth:`from_data`.
    """

    name: str
    data: Data
    splits: list[Split]
    feature_names: list[str]
    directed: bool = False
    edge_feature_names: list[str] = field(default_factory=list)

    @classmethod
    def from_data(
        cls,
        name: str,
        data: Data,
        *,
        directed: bool,
        seeds: int = 10,
        splits: list[Split] | None = None,
        feature_names: list[str] | None = None,
    ) -> GraphDataset:
        """Wrap any PyG ``Data`` (e.g. from the graph export); stratified 40/20/40 by default."""
        for attr in ("x", "y", "edge_index"):
            if getattr(data, attr, None) is None:
                raise InvalidInputError("missing", field=f"data.{attr}")
        y: Tensor = data.y
        if splits is None:
            splits = [Split.stratified(y, seed) for seed in range(seeds)]
        names = feature_names or [f"f{i}" for i in range(int(data.x.size(1)))]
        return cls(name, data, splits, names, directed)

    @property
    def num_features(self) -> int:
        """Width F of the node features."""
        return int(self.data.x.size(1))

    @property
    def edge_dim(self) -> int:
        """Width D of the edge features (0 when there are none)."""
        edge_attr = getattr(self.data, "edge_attr", None)
        return 0 if edge_attr is None else int(edge_attr.size(1))

    def fingerprint(self) -> str:
        """SHA-256 of features, labels and edges: identifies the training data of a model."""
        digest = hashlib.sha256(self.name.encode())
        for key in ("x", "y", "edge_index", "edge_attr"):
            value = getattr(self.data, key, None)
            if isinstance(value, Tensor):
                digest.update(key.encode())
                digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()

    def summary(self) -> dict[str, int | float | str]:
        """Sizes for logs and model cards."""
        y: Tensor = self.data.y
        labelled = y >= 0
        return {
            "name": self.name,
            "nodes": int(y.numel()),
            "edges": int(self.data.edge_index.size(1)),
            "features": self.num_features,
            "positives": int((y == 1).sum()),
            "positive_rate": float((y[labelled] == 1).float().mean()) if labelled.any() else 0.0,
            "splits": len(self.splits),
        }


def standardise(x: Tensor) -> Tensor:
    """Zero-mean, unit-variance columns (constant columns stay zero)."""
    mean = x.mean(dim=0, keepdim=True)
    std = x.std(dim=0, keepdim=True)
    return (x - mean) / torch.where(std > 0, std, torch.ones_like(std))
