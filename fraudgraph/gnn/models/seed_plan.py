"""Which rows and edges each layer needs when only the seed nodes' outputs are wanted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from fraudgraph.gnn.models.edge_view import EdgeView


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """Prefix sizes and edges of a trimmed forward over ``L`` layers.

    The last layer is needed at the first ``rows[L]`` nodes (the seeds) only; layer ``l`` at the
    first ``rows[l]``, which cover ``rows[l + 1]`` and every node that sends them a message;
    ``rows[0]`` nodes need their input. With nodes in hop order (as :class:`NeighborSampler`
    returns them) the prefixes are tight; any order is still correct, only less trimmed.
    ``views[l]`` are the edges layer ``l + 1`` reads: incoming, then outgoing if directed.
    The bookkeeping runs in numpy: a few hundred ids, where torch's per-call overhead dominates.
    """

    rows: list[int]
    views: list[list[EdgeView]]

    @classmethod
    def build(
        cls, edge_index: Tensor, num_seeds: int, num_nodes: int, directed: Sequence[bool]
    ) -> SeedPlan:
        """Plan for ``len(directed)`` layers (``directed[l]``: layer l reads both directions)."""
        edges = edge_index.detach().cpu().numpy()
        incoming = _Receivers(edges[0], edges[1], edge_index.device)
        outgoing = _Receivers(edges[1], edges[0], edge_index.device) if any(directed) else incoming
        rows = [num_seeds]
        for layer_directed in reversed(directed):
            need = rows[0]
            reach = max(need, incoming.reach(need))
            if layer_directed:
                reach = max(reach, outgoing.reach(need))
            rows.insert(0, min(reach, num_nodes))
        views = []
        for layer_directed, need in zip(directed, rows[1:], strict=True):
            view = [incoming.view(need)]
            if layer_directed:
                view.append(outgoing.view(need))
            views.append(view)
        return cls(rows, views)


class _Receivers:
    """Edges sorted by receiver (stable, so each receiver sums in the original edge order)."""

    def __init__(self, senders: np.ndarray, receivers: np.ndarray, device: torch.device) -> None:
        self.device = device
        self.order = np.argsort(receivers, kind="stable")
        self.senders = senders[self.order]
        self.receivers = receivers[self.order]

    def count_into(self, rows: int) -> int:
        """Number of edges into nodes ``0 .. rows - 1``."""
        return int(np.searchsorted(self.receivers, rows))

    def reach(self, rows: int) -> int:
        """One past the largest node that sends into the first ``rows`` nodes (0 if none)."""
        count = self.count_into(rows)
        return int(self.senders[:count].max()) + 1 if count else 0

    def view(self, rows: int) -> EdgeView:
        """The edges into the first ``rows`` nodes."""
        count = self.count_into(rows)
        received = np.bincount(self.receivers[:count], minlength=rows)
        divisor = np.maximum(received, 1).astype(np.float32)[:, None]
        arrays = (self.senders[:count], self.receivers[:count], self.order[:count], divisor)
        src, dst, edges, divisor_t = (torch.from_numpy(a).to(self.device) for a in arrays)
        return EdgeView(src=src, dst=dst, edges=edges, count=divisor_t)
