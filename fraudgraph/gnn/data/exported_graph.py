"""A Neo4j export as a node-classification dataset, split by time.

The typed graph from :class:`fraudgraph.graph.pyg_export.GraphExporter` is projected to one
homogeneous graph: every node type keeps its own block of feature columns (zeros elsewhere) plus a
one-hot of its type, and every edge type becomes undirected edges. Only nodes of the target type
carry labels. The split is by time, never at random: the model is trained on the past and tested
on the future, as it is used.
"""

from __future__ import annotations

import numpy as np
import torch
from torch_geometric.data import Data

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.data.graph_dataset import GraphDataset, standardise
from fraudgraph.gnn.data.split import Split
from fraudgraph.graph.pyg_export import ExportedGraph


def exported_dataset(
    exported: ExportedGraph,
    target: str,
    *,
    name: str,
    fractions: tuple[float, float] = (0.6, 0.2),
) -> GraphDataset:
    """Project ``exported`` and split the labelled ``target`` nodes by time (train, val, rest)."""
    hetero = exported.data
    if target not in hetero.node_types:
        raise InvalidInputError(f"no node type {target!r} in the export", field="target")
    types = list(hetero.node_types)
    offsets = np.cumsum([0] + [int(hetero[t].num_nodes) for t in types])
    widths = [int(hetero[t].x.size(1)) for t in types]
    columns = np.cumsum([0, *widths])
    total = int(offsets[-1])
    x = torch.zeros(total, int(columns[-1]) + len(types))
    y = torch.full((total,), -1, dtype=torch.long)
    time = torch.zeros(total, dtype=torch.float64)
    feature_names: list[str] = []
    for i, node_type in enumerate(types):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        x[lo:hi, int(columns[i]) : int(columns[i + 1])] = hetero[node_type].x
        x[lo:hi, int(columns[-1]) + i] = 1.0
        feature_names += [f"{node_type}.{f}" for f in exported.feature_names[node_type]]
        if node_type == target:
            y[lo:hi] = hetero[node_type].y
            if "time" in hetero[node_type]:
                time[lo:hi] = hetero[node_type].time
    feature_names += [f"type.{t}" for t in types]
    edges = []
    for src, _, dst in hetero.edge_types:
        index = hetero[src, _, dst].edge_index
        shifted = index + torch.tensor(
            [[offsets[types.index(src)]], [offsets[types.index(dst)]]], dtype=torch.long
        )
        edges += [shifted, shifted.flip(0)]
    edge_index = torch.cat(edges, 1) if edges else torch.zeros((2, 0), dtype=torch.long)
    data = Data(x=standardise(x), y=y, edge_index=torch.unique(edge_index, dim=1))
    split = time_split(y, time, fractions)
    return GraphDataset(name, data, [split], feature_names, directed=False)


def time_split(labels: torch.Tensor, time: torch.Tensor, fractions: tuple[float, float]) -> Split:
    """Labelled nodes ordered by time: the first ``fractions[0]`` train, the next validate."""
    labelled = torch.nonzero(labels >= 0).flatten()
    if labelled.numel() < 10:
        raise InvalidInputError("fewer than 10 labelled nodes to split", field="labels")
    order = labelled[torch.argsort(time[labelled], stable=True)]
    n_train = int(fractions[0] * order.numel())
    n_val = int(fractions[1] * order.numel())
    train, val, test = order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]
    return Split("time", train.sort().values, val.sort().values, test.sort().values)
