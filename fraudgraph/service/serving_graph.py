"""The graph a promoted GNN scores in the service: a Neo4j export, projected like in training.

The GNN stage trains on :func:`fraudgraph.gnn.data.exported_graph.exported_dataset`'s
projection of a :class:`~fraudgraph.graph.pyg_export.GraphExporter` export (one homogeneous
graph, per-type feature blocks, type one-hots). The service projects its own export the same
way, so the model sees the columns it learned from, and keeps the row of every node of the
model's target type under its service key (``Account:AC1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
from neo4j import Driver
from torch import Tensor

from fraudgraph.errors import InvalidInputError, ModelError
from fraudgraph.gnn.data.exported_graph import exported_dataset
from fraudgraph.graph.pyg_export import ExportedGraph, GraphExporter
from fraudgraph.service.risk_index import RiskIndex


@dataclass(frozen=True, slots=True)
class ServingGraph:
    """Node features, edges and the service key -> row map of the target's nodes."""

    target: str
    x: Tensor
    edge_index: Tensor
    feature_names: tuple[str, ...]
    rows: dict[str, int]

    @classmethod
    def project(cls, exported: ExportedGraph, target: str) -> ServingGraph:
        """Project ``exported`` for a model of ``target`` nodes (labels are not needed)."""
        data = exported.data
        if target not in data.node_types or int(data[target].num_nodes) == 0:
            raise InvalidInputError(f"the graph has no {target} nodes", field="target")
        # The projection splits labelled nodes by time; serving ignores the split, so every
        # target node is marked labelled to satisfy it.
        data[target].y = torch.zeros(int(data[target].num_nodes), dtype=torch.long)
        dataset = exported_dataset(exported, target, name=f"serving-{target.lower()}")
        offset = 0
        for node_type in data.node_types:
            if node_type == target:
                break
            offset += int(data[node_type].num_nodes)
        rows = {RiskIndex.key(target, k): offset + i for i, k in enumerate(exported.keys[target])}
        return cls(
            target,
            dataset.data.x,
            dataset.data.edge_index,
            tuple(dataset.feature_names),
            rows,
        )

    @classmethod
    def from_neo4j(cls, driver: Driver, database: str, target: str) -> ServingGraph:
        """Export the current graph and project it for ``target``."""
        return cls.project(GraphExporter(driver, database).export(), target)

    def aligned(self, names: Sequence[str]) -> ServingGraph:
        """The graph with exactly the columns ``names`` (a model's), in that order.

        The export's columns depend on the data (a degree column per relationship type that
        occurs), so a graph that has grown since training may have more; a column the graph
        lacks is all zeros there (no such relationship). Raises ModelError when fewer than half
        of ``names`` exist: the model was trained on other features.
        """
        position = {name: i for i, name in enumerate(self.feature_names)}
        found = [position.get(name) for name in names]
        if sum(i is not None for i in found) * 2 < len(names) or not names:
            raise ModelError("the model was trained on other node features")
        x = torch.zeros(self.x.size(0), len(names), dtype=self.x.dtype)
        for column, i in enumerate(found):
            if i is not None:
                x[:, column] = self.x[:, i]
        return replace(self, x=x, feature_names=tuple(names))
