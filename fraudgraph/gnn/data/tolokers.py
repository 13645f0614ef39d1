"""Tolokers (Platonov et al., ICLR 2023): crowd workers, label 1 = banned."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import to_undirected

from fraudgraph.errors import IngestError
from fraudgraph.gnn.data.graph_dataset import GraphDataset, standardise
from fraudgraph.gnn.data.split import Split

FEATURE_NAMES = [f"toloker_f{i}" for i in range(10)]


class TolokersDataset:
    """Loader of ``tolokers.npz`` with its 10 official 50/25/25 splits."""

    file_name = "tolokers.npz"

    @classmethod
    def load(cls, folder: Path) -> GraphDataset:
        """Read the file; edges are stored once, so both directions are added here."""
        path = folder / cls.file_name
        if not path.is_file():
            raise IngestError(f"{path} not found")
        with np.load(path) as raw:
            x = torch.from_numpy(raw["node_features"]).float()
            y = torch.from_numpy(raw["node_labels"]).long()
            edges = torch.from_numpy(raw["edges"]).long().t().contiguous()
            masks = [torch.from_numpy(raw[k]) for k in ("train_masks", "val_masks", "test_masks")]
        edge_index = to_undirected(edges, num_nodes=x.size(0))
        splits = [
            Split.from_masks(f"official{i}", masks[0][i], masks[1][i], masks[2][i])
            for i in range(masks[0].size(0))
        ]
        data = Data(x=standardise(x), y=y, edge_index=edge_index)
        return GraphDataset("tolokers", data, splits, FEATURE_NAMES, directed=False)
