"""Real-time scoring: a bounded k-hop subgraph around the nodes asked about, then one forward.

The full graph lives in memory as CSR; each request samples at most ``fanouts[h]`` neighbours
per node and hop (hubs are capped), so a request touches at most
``B * (1 + f1 + f1 * f2 + ...)`` nodes whatever the graph's size.

For :class:`SepGNN` the request takes a fast path with the same scores: the per-node part of the
forward (input encoder, first message projection) is computed once for the whole graph, and each
layer then runs only on the rows the seeds depend on (:meth:`SepGNN.forward_seeds_from`), so on
a 2-hop subgraph of ~400 nodes the second layer and the head see a few dozen rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
from torch import Tensor, nn

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
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
        fast: bool = True,
    ) -> None:
        self.model = model.eval()
        # The trimmed forward of SepGNN (layer l only on the rows the seeds depend on) with its
        # per-node encoder applied once to the whole graph; same scores as the plain forward.
        self.fast = fast and isinstance(model, SepGNN)
        self.tables: tuple[Tensor, Tensor] | None = None
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
            if self.fast:
                self.tables = cast(SepGNN, self.model).node_tables(self.features)
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
        return torch.sigmoid(self._logits(self.subgraph(nodes), fast=self.fast).float())

    @torch.inference_mode()
    def fast_path_gap(self, nodes: Tensor) -> float:
        """Largest |probability difference| of the fast path vs the plain forward (0 if none).

        Each node in ``nodes`` [R] is scored alone, both ways on the same sampled subgraph.
        """
        gap = 0.0
        for node in nodes.tolist() if self.fast else []:
            sub = self.subgraph(torch.tensor([node]))
            fast, plain = (torch.sigmoid(self._logits(sub, fast=f)) for f in (True, False))
            gap = max(gap, float((fast - plain).abs().max()))
        return gap

    def _logits(self, sub: SampledSubgraph, *, fast: bool) -> Tensor:
        """Logits of the seeds of ``sub``: trimmed forward over the node tables, or plain."""
        attr = None if self.edge_attr is None else self.edge_attr[sub.edge_ids]
        if fast and self.tables is not None:
            return cast(SepGNN, self.model).forward_seeds_from(
                self.tables, sub.node_ids, sub.edge_index, attr, num_seeds=sub.num_seeds
            )
        logits: Tensor = self.model(self.features[sub.node_ids], sub.edge_index, attr)
        return logits[: sub.num_seeds]
