"""Reddit (pygod / GADBench): users, label 1 = banned; GADBench stratified 40/20/40 splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.utils import coalesce

from fraudgraph.errors import IngestError
from fraudgraph.gnn.data.graph_dataset import GraphDataset, standardise
from fraudgraph.gnn.data.split import Split


class RedditDataset:
    """Loader of ``reddit.npz`` (edge_index already symmetric)."""

    file_name = "reddit.npz"

    @classmethod
    def load(cls, folder: Path, seeds: int = 10) -> GraphDataset:
        """Read the file and draw ``seeds`` stratified 40/20/40 splits (seeds 0..seeds-1)."""
        path = folder / cls.file_name
        if not path.is_file():
            raise IngestError(f"{path} not found")
        with np.load(path) as raw:
            x = torch.from_numpy(raw["x"]).float()
            y = torch.from_numpy(raw["y"]).long()
            edge_index = torch.from_numpy(raw["edge_index"]).long()
        edge_index = coalesce(edge_index, num_nodes=x.size(0))
        splits = [Split.stratified(y, seed) for seed in range(seeds)]
        names = [f"reddit_f{i}" for i in range(x.size(1))]
        data = Data(x=standardise(x), y=y, edge_index=edge_index)
        return GraphDataset("reddit", data, splits, names, directed=False)
