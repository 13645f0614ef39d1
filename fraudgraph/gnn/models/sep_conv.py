"""One message-passing layer that keeps a node's own embedding apart from its neighbours'."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.models.symmetric_spmm import symmetric_spmm
from fraudgraph.gnn.scatter_ops import segment_max, segment_mean, segment_std

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
        n = h.size(0)
        parts = [h]
        views = [(edge_index[0], edge_index[1])]
        if self.directed:
            views.append((edge_index[1], edge_index[0]))
        edge_term = None
        if self.edge_lin is not None:
            if edge_attr is None:
                raise InvalidInputError("layer expects edge features", field="edge_attr")
            edge_term = self.edge_lin(edge_attr.to(h.dtype))
        projected = self.message(h)
        if edge_index.layout == torch.sparse_csr:
            return self._combine(h, self._sparse_aggregates(edge_index, projected))
        for src, dst in views:
            message = projected[src]
            if edge_term is not None:
                message = torch.relu(message + edge_term)
            parts.extend(AGGREGATORS[agg](message, dst, n) for agg in self.aggregators)
        return self._combine(h, parts[1:])

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
