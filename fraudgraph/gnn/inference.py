"""Real-time scoring: a bounded k-hop subgraph around the nodes asked about, then one forward.

The full graph lives in memory as CSR; each request samples at most ``fanouts[h]`` neighbours
per node and hop (hubs are capped), so a request touches at most
``B * (1 + f1 + f1 * f2 + ...)`` nodes whatever the graph's size.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.neighbor_sampler import NeighborSampler
from fraudgraph.gnn.sampling.sampled_subgraph import SampledSubgraph


class SubgraphScorer:
    """Score nodes of a large graph from their capped k-hop neighbourhoods.

    ``x`` [N, F] raw node features, ``edge_index`` [2, E], ``edge_attr`` [E, D] or None.
    """

    def __init__(
        self,
        model: nn.Module,
        transform: InputTransform,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None = None,
        *,
        directed: bool = False,
        fanouts: Sequence[int] = (20, 10),
        max_nodes: int = 500,
    ) -> None:
        self.model = model.eval()
        self.transform = transform
        self.x = x
        self.edge_attr = edge_attr
        self.max_nodes = max_nodes
        csr = CsrGraph.from_edge_index(edge_index, x.size(0), both_directions=directed)
        self.sampler = NeighborSampler(csr, edge_index, fanouts)
        # Model inputs are computed once on the whole graph: neighbour aggregates of the outer
        # subgraph nodes would be truncated if computed on the subgraph, shifting them away
        # from what the model was trained on. Call refresh() when the graph changes.
        self.features = self.refresh(edge_index)

    def refresh(self, edge_index: Tensor) -> Tensor:
        """Recompute the model inputs of every node (after the graph was updated)."""
        with torch.inference_mode():
            self.features = self.transform.apply(self.x, edge_index)
        return self.features

    def subgraph(self, nodes: Tensor) -> SampledSubgraph:
        """The capped neighbourhood of ``nodes``; raises if it would exceed ``max_nodes``."""
        if nodes.numel() == 0:
            raise InvalidInputError("no nodes to score", field="nodes")
        if int(nodes.min()) < 0 or int(nodes.max()) >= self.x.size(0):
            raise InvalidInputError("unknown node id", field="nodes")
        sub = self.sampler.sample(nodes)
        if sub.num_nodes > self.max_nodes:
            raise InvalidInputError(
                f"subgraph of {sub.num_nodes} nodes exceeds the cap of {self.max_nodes}; "
                "lower the fan-outs or score fewer nodes per call",
                field="nodes",
            )
        return sub

    @torch.inference_mode()
    def score(self, nodes: Tensor) -> Tensor:
        """Fraud probabilities of ``nodes`` [B] -> [B]."""
        sub = self.subgraph(nodes)
        features = self.features[sub.node_ids]
        attr = None if self.edge_attr is None else self.edge_attr[sub.edge_ids]
        logits = self.model(features, sub.edge_index, attr)
        return torch.sigmoid(logits[: sub.num_seeds].float())
