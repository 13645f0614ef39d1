"""Known-label neighbourhood features: how many of a node's neighbours are confirmed fraud.

Fraud rings are homophilous in their *labels* even when features are heterophilous: launderers
transfer to each other. Counting confirmed-fraud and confirmed-normal neighbours (from the
training labels only, never the node's own) is the "label trick" of node classification and
mirrors production, where investigators' confirmed cases are known at scoring time.

The node's own label is left out everywhere: self-loops are dropped from the 1-hop counts, and
the 2-hop mean skips the paths that come back to the node (``v -> u -> v``). Otherwise a
training node would see its own label while a test node never does, and a model fitted on the
training rows would lean on a signal that is absent at scoring time.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from fraudgraph.gnn.scatter_ops import segment_count, segment_mean, segment_sum


@dataclass(frozen=True, slots=True)
class LabelFeatures:
    """Builder of per-node counts/shares of known fraud and normal neighbours (1 and 2 hops).

    ``leave_self_out=False`` keeps the older behaviour (self-loops and returning 2-hop paths
    count the node's own label); it exists only to measure the difference.
    """

    leave_self_out: bool = True

    def build(self, y: Tensor, known: Tensor, edge_index: Tensor, directed: bool) -> Tensor:
        """Features [N, 5 * views] from labels ``y`` [N] revealed only at ``known`` indices."""
        n = y.numel()
        onehot = torch.zeros(n, 2)
        onehot[known, 0] = (y[known] == 1).float()
        onehot[known, 1] = (y[known] == 0).float()
        if self.leave_self_out:
            edge_index = edge_index[:, edge_index[0] != edge_index[1]]
        views = [edge_index, edge_index.flip(0)] if directed else [edge_index]
        blocks: list[Tensor] = []
        for edges in views:
            src, dst = edges[0], edges[1]
            counts = segment_sum(onehot[src], dst, n)
            share = counts[:, :1] / (counts.sum(dim=1, keepdim=True) + 1.0)
            blocks += [torch.log1p(counts), share, self._two_hop(onehot, src, dst, n)]
        return torch.cat(blocks, dim=1)

    def _two_hop(self, onehot: Tensor, src: Tensor, dst: Tensor, n: int) -> Tensor:
        """Mean over in-neighbours ``u`` of ``v`` of the label mean of ``u``'s in-neighbours."""
        if not self.leave_self_out:
            return segment_mean(segment_mean(onehot[src], dst, n)[src], dst, n)
        sums = segment_sum(onehot[src], dst, n)
        degree = segment_count(dst, n, onehot.dtype).reshape(n, 1)
        # Edge u -> v: u's in-neighbourhood without the m edges v -> u that lead back to v.
        back = _reverse_multiplicity(src, dst, n).unsqueeze(1)
        own = sums[src] - back * onehot[dst]
        rest = degree[src] - back
        hop1 = torch.where(rest > 0, own / rest.clamp(min=1.0), torch.zeros_like(own))
        return segment_mean(hop1, dst, n)


def _reverse_multiplicity(src: Tensor, dst: Tensor, n: int) -> Tensor:
    """For each edge ``src[i] -> dst[i]``, how many edges ``dst[i] -> src[i]`` exist."""
    keys, counts = torch.unique(src * n + dst, return_counts=True)
    reverse = dst * n + src
    # No edges: ``reverse`` is empty too, so the empty index below reads nothing.
    pos = torch.searchsorted(keys, reverse).clamp(max=max(keys.numel() - 1, 0))
    found = keys[pos] == reverse
    return torch.where(found, counts[pos], torch.zeros_like(reverse)).to(torch.float32)
