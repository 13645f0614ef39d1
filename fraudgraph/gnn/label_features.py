"""Known-label neighbourhood features: how many of a node's neighbours are confirmed fraud.

Fraud rings are homophilous in their *labels* even when features are heterophilous: launderers
transfer to each other. Counting confirmed-fraud and confirmed-normal neighbours (from the
training labels only, never the node's own) is the "label trick" of node classification and
mirrors production, where investigators' confirmed cases are known at scoring time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fraudgraph.gnn.scatter_ops import segment_mean, segment_sum


@dataclass(frozen=True, slots=True)
class LabelFeatures:
    """Builder of per-node counts/shares of known fraud and normal neighbours (1 and 2 hops)."""

    def build(self, y: Tensor, known: Tensor, edge_index: Tensor, directed: bool) -> Tensor:
        """Features [N, 5 * views] from labels ``y`` [N] revealed only at ``known`` indices."""
        n = y.numel()
        onehot = torch.zeros(n, 2)
        onehot[known, 0] = (y[known] == 1).float()
        onehot[known, 1] = (y[known] == 0).float()
        views = [edge_index, edge_index.flip(0)] if directed else [edge_index]
        blocks: list[Tensor] = []
        for edges in views:
            src, dst = edges[0], edges[1]
            counts = segment_sum(onehot[src], dst, n)
            share = counts[:, :1] / (counts.sum(dim=1, keepdim=True) + 1.0)
            hop1 = segment_mean(onehot[src], dst, n)
            hop2 = segment_mean(hop1[src], dst, n)
            blocks += [torch.log1p(counts), share, hop2]
        return torch.cat(blocks, dim=1)
