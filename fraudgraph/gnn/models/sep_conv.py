"""One message-passing layer that keeps a node's own embedding apart from its neighbours'."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.models.edge_view import EdgeView
from fraudgraph.gnn.models.symmetric_spmm import symmetric_spmm
from fraudgraph.gnn.scatter_ops import (
    segment_count,
    segment_max,
    segment_mean,
    segment_std,
    segment_sum,
)

AGGREGATORS = {"mean": segment_mean, "max": segment_max, "std": segment_std}


class SepConv(nn.Module):
    """Ego/neighbour-separated layer with several aggregators, residual and layer norm.

    Under heterophily (fraudsters link to normal users) averaging a node with its neighbours,
    as GCN does, blurs exactly the contrast that marks a fraudster. This layer concatenates the
    node's own embedding with mean/max/std of its neighbours' messages (separately for incoming
    and outgoing links when ``directed``), mixes them with one linear map and adds the result
    to the input (pre-activation residual), so depth never washes out the ego signal.

    Messages are projected to ``message_channels`` (default C) before aggregation.

    ``edge_index`` may also be a ``torch.sparse_csr`` adjacency [N, N] (row = receiving node,
    see :meth:`CsrGraph.to_sparse_adjacency`) for the fast mean/std path; it must be
    symmetric (an undirected graph), which lets the backward pass skip a transpose.

    Shapes: ``h`` [N, C], ``edge_index`` [2, E], ``edge_attr`` [E, edge_dim] -> [N, C].
    """

    def __init__(
        self,
        channels: int,
        aggregators: Sequence[str] = ("mean", "max", "std"),
        *,
        directed: bool = False,
        edge_dim: int = 0,
        message_channels: int | None = None,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        unknown = set(aggregators) - set(AGGREGATORS)
        if unknown or not aggregators:
            raise InvalidInputError(f"unknown aggregators {sorted(unknown)}", field="aggregators")
        self.aggregators = tuple(aggregators)
        self.directed = directed
        self.edge_dim = edge_dim
        views = 2 if directed else 1
        width = message_channels or channels
        # Narrow messages keep the per-edge cost (E x width) low on dense graphs.
        self.message = nn.Linear(channels, width)
        self.edge_lin = nn.Linear(edge_dim, width) if edge_dim else None
        self.mix = nn.Linear(channels + width * views * len(self.aggregators), channels)
        self.norm = nn.LayerNorm(channels)
        self.dropout = nn.Dropout(dropout)
        self.reset_parameters()

    @property
    def supports_sparse_adjacency(self) -> bool:
        """True for undirected mean/std layers without edge features."""
        return not self.directed and self.edge_lin is None and "max" not in self.aggregators

    def reset_parameters(self) -> None:
        """Re-initialise all weights."""
        self.mix.reset_parameters()
        self.message.reset_parameters()
        self.norm.reset_parameters()
        if self.edge_lin is not None:
            self.edge_lin.reset_parameters()

    def forward(self, h: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        """Return the updated node embeddings [N, C]."""
        edge_term = self._edge_term(edge_attr, h.dtype)
        projected = self.message(h)
        if edge_index.layout == torch.sparse_csr:
            return self._combine(h, self._sparse_aggregates(edge_index, projected))
        return self._combine(h, self._edge_aggregates(projected, edge_index, edge_term))

    def forward_rows(
        self,
        h: Tensor,
        projected: Tensor,
        views: Sequence[EdgeView],
        edge_attr: Tensor | None = None,
    ) -> Tensor:
        """The first ``rows`` rows of ``forward``, computing only those (the trimmed forward).

        ``rows`` is the length of ``views[0].count``. ``views`` are the edges into the first
        ``rows`` nodes, one per direction (see :class:`SeedPlan`); ``h`` holds at least those
        rows and ``projected`` is ``message`` of every node that sends them something;
        ``edge_attr`` [E, edge_dim] are the subgraph's edge features.
        """
        rows = int(views[0].count.size(0))
        parts: list[Tensor] = []
        for view in views:
            message = projected.index_select(0, view.src)
            if self.edge_lin is not None:
                if edge_attr is None:
                    raise InvalidInputError("layer expects edge features", field="edge_attr")
                term = self.edge_lin(edge_attr.index_select(0, view.edges).to(h.dtype))
                message = torch.relu(message + term)
            parts.extend(self._aggregate(message, view.dst, rows, view.count))
        return self._combine(h[:rows], parts)

    def _edge_term(self, edge_attr: Tensor | None, dtype: torch.dtype) -> Tensor | None:
        if self.edge_lin is None:
            return None
        if edge_attr is None:
            raise InvalidInputError("layer expects edge features", field="edge_attr")
        out: Tensor = self.edge_lin(edge_attr.to(dtype))
        return out

    def _edge_aggregates(
        self, projected: Tensor, edge_index: Tensor, edge_term: Tensor | None
    ) -> list[Tensor]:
        """Aggregates of the messages every node receives, per view."""
        views = [(edge_index[0], edge_index[1])]
        if self.directed:
            views.append((edge_index[1], edge_index[0]))
        parts: list[Tensor] = []
        for src, dst in views:
            message = projected[src]
            if edge_term is not None:
                message = torch.relu(message + edge_term)
            parts.extend(self._aggregate(message, dst, projected.size(0)))
        return parts

    def _aggregate(
        self, message: Tensor, dst: Tensor, rows: int, count: Tensor | None = None
    ) -> list[Tensor]:
        """The configured aggregators; mean and std share one scatter of ``[m, m * m]``.

        ``count`` [rows, 1]: messages per receiver (at least 1), when the caller knows it.
        """
        if not {"mean", "std"} & set(self.aggregators):
            return [AGGREGATORS[agg](message, dst, rows) for agg in self.aggregators]
        width = message.size(1)
        with_std = "std" in self.aggregators
        stacked = torch.cat([message, message * message], dim=1) if with_std else message
        if count is None:
            count = segment_count(dst, rows, message.dtype).clamp(min=1)
        sums = segment_sum(stacked, dst, rows) / count
        mean, mean_sq = sums[:, :width], sums[:, width:]
        out = []
        for agg in self.aggregators:
            if agg == "mean":
                out.append(mean)
            elif agg == "std":
                out.append(torch.sqrt(torch.relu(mean_sq - mean * mean) + 1e-5))
            else:
                out.append(AGGREGATORS[agg](message, dst, rows))
        return out

    def _combine(self, h: Tensor, aggregates: list[Tensor]) -> Tensor:
        update = self.mix(torch.cat([h, *aggregates], dim=1))
        out: Tensor = h + self.dropout(torch.nn.functional.gelu(self.norm(update)))
        return out

    def _sparse_aggregates(self, adjacency: Tensor, projected: Tensor) -> list[Tensor]:
        """Mean/std through sparse matrix products: no [E, C] message tensor is materialised.

        That is 5-10x faster on dense graphs such as Tolokers (88 links per node).
        """
        if not self.supports_sparse_adjacency:
            raise InvalidInputError(
                "a sparse adjacency supports undirected mean/std layers without edge features",
                field="edge_index",
            )
        crow = adjacency.crow_indices()
        degree = (crow[1:] - crow[:-1]).clamp(min=1).to(projected.dtype).unsqueeze(1)
        mean = symmetric_spmm(adjacency, projected) / degree
        out = []
        for agg in self.aggregators:
            if agg == "mean":
                out.append(mean)
            else:
                mean_sq = symmetric_spmm(adjacency, projected * projected) / degree
                out.append(torch.sqrt(torch.relu(mean_sq - mean * mean) + 1e-5))
        return out
