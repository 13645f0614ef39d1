"""AMLSim folders (IBM): accounts (``nodes.csv``) and transfers (``transactions.csv``).

Accounts become nodes and transfers directed edges carrying amount and time. Node features are
statistics of each account's own transfers plus label-free money-flow features (short cycles,
structuring bursts, amount reuse: :mod:`fraudgraph.gnn.data.flow_features`); ``isFraud`` is
the label and, like ``fraudStep``, never a feature. Any folder of that shape (a bank's
accounts + transfers extract) loads the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch_geometric.data import Data

from fraudgraph.errors import IngestError
from fraudgraph.gnn.data.flow_features import FlowFeatures
from fraudgraph.gnn.data.graph_dataset import GraphDataset, standardise
from fraudgraph.gnn.data.split import Split

if TYPE_CHECKING:
    import pandas as pd

NODE_COLUMNS = ("nodeid", "isFraud", "init_balance")
EDGE_COLUMNS = ("sourceNodeId", "targetNodeId", "value", "time")
EDGE_FEATURE_NAMES = ["log_amount", "time_frac"]


class AmlSimDataset:
    """Loader of an AMLSim-shaped folder."""

    @classmethod
    def load(cls, folder: Path, seeds: int = 10) -> GraphDataset:
        """Read the CSVs, build features and ``seeds`` stratified 40/20/40 splits."""
        import pandas as pd

        nodes_path, edges_path = folder / "nodes.csv", folder / "transactions.csv"
        for path in (nodes_path, edges_path):
            if not path.is_file():
                raise IngestError(f"{path} not found (expected an AMLSim folder)")
        nodes = pd.read_csv(nodes_path)
        edges = pd.read_csv(edges_path)
        _require(nodes, NODE_COLUMNS, nodes_path)
        _require(edges, EDGE_COLUMNS, edges_path)
        index = pd.Index(nodes["nodeid"])
        src = index.get_indexer(edges["sourceNodeId"])
        dst = index.get_indexer(edges["targetNodeId"])
        if (src < 0).any() or (dst < 0).any():
            raise IngestError(f"{edges_path} names accounts missing from {nodes_path}")
        features = account_features(nodes, edges, src, dst)
        amount = edges["value"].to_numpy(np.float64)
        time = edges["time"].to_numpy(np.float64)
        edge_attr = np.stack([np.log1p(np.clip(amount, 0, None)), time / max(time.max(), 1.0)], 1)
        data = Data(
            x=standardise(torch.from_numpy(features.to_numpy(np.float32))),
            y=torch.from_numpy(nodes["isFraud"].to_numpy(np.int64, copy=True)),
            edge_index=torch.from_numpy(np.stack([src, dst])).long(),
            edge_attr=torch.from_numpy(edge_attr).float(),
        )
        splits = [Split.stratified(data.y, seed) for seed in range(seeds)]
        name = folder.name or "amlsim"
        dataset = GraphDataset(name, data, splits, list(features.columns), directed=True)
        dataset.edge_feature_names = list(EDGE_FEATURE_NAMES)
        return dataset


def _require(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise IngestError(f"{path} lacks columns {missing}")


def account_features(
    nodes: pd.DataFrame, edges: pd.DataFrame, src: np.ndarray, dst: np.ndarray
) -> pd.DataFrame:
    """Per-account statistics of outgoing and incoming transfers (log-scaled where heavy-tailed)."""
    import pandas as pd

    n = len(nodes)
    frame = pd.DataFrame({"src": src, "dst": dst, "amount": edges["value"], "time": edges["time"]})
    columns: dict[str, np.ndarray] = {"init_balance": nodes["init_balance"].to_numpy(np.float64)}
    for side, key, other in (("out", "src", "dst"), ("in", "dst", "src")):
        groups = frame.groupby(key)
        stats = groups["amount"].agg(["count", "sum", "mean", "std", "min", "max", "median"])
        stats["partners"] = groups[other].nunique()
        stats["first_step"] = groups["time"].min()
        stats["last_step"] = groups["time"].max()
        stats["active_steps"] = groups["time"].nunique()
        # Identical transfers repeated to one partner in one step (structuring) and many
        # transfers to one partner are laundering signals in their own right.
        pair_counts = frame.groupby([key, other]).size()
        stats["max_per_partner"] = pair_counts.groupby(level=0).max()
        repeats = frame.groupby([key, other, "amount", "time"]).size()
        stats["max_identical"] = repeats.groupby(level=0).max()
        stats["identical_extra"] = (repeats - 1).groupby(level=0).sum()
        stats = stats.reindex(range(n)).fillna(0.0)
        for stat in stats.columns:
            columns[f"{side}_{stat}"] = stats[stat].to_numpy(np.float64)
    out_sum, in_sum = columns["out_sum"], columns["in_sum"]
    columns["net_flow"] = in_sum - out_sum
    columns["pass_through"] = np.minimum(in_sum, out_sum) / np.maximum(
        np.maximum(in_sum, out_sum), 1e-9
    )
    table = pd.DataFrame(columns)
    suffixes = ("count", "sum", "partners", "steps", "partner", "identical", "extra")
    heavy = [c for c in table.columns if c.endswith(suffixes)]
    table[heavy] = np.log1p(table[heavy].clip(lower=0))
    return pd.concat([table, FlowFeatures().build(frame, n)], axis=1)
