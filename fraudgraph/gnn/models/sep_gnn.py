"""Node fraud-probability GNN for heterophilous graphs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
from torch import Tensor, nn

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.models.seed_plan import SeedPlan
from fraudgraph.gnn.models.sep_conv import SepConv


class SepGNN(nn.Module):
    """Encoder -> ``num_layers`` :class:`SepConv` -> jumping-knowledge head -> one logit per node.

    The head reads the concatenation of every layer's embedding (jumping knowledge), so the
    classifier can weigh raw features, 1-hop and 2-hop evidence separately: on heterophilous
    fraud graphs the best depth differs per node.

    Shapes: ``x`` [N, in_channels], ``edge_index`` [2, E], ``edge_attr`` [E, edge_dim] or None
    -> logits [N] (apply ``sigmoid`` for the fraud probability).
    """

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int = 64,
        num_layers: int = 2,
        aggregators: Sequence[str] = ("mean", "max", "std"),
        *,
        directed: bool = False,
        edge_dim: int = 0,
        message_channels: int | None = None,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.encoder = nn.Linear(in_channels, hidden_channels)
        self.layers = nn.ModuleList(
            SepConv(
                hidden_channels,
                aggregators,
                directed=directed,
                edge_dim=edge_dim,
                message_channels=message_channels,
                dropout=dropout,
            )
            for _ in range(num_layers)
        )
        width = hidden_channels * (num_layers + 1)
        self.head = nn.Sequential(
            nn.LayerNorm(width),
            nn.Linear(width, hidden_channels),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_channels, 1),
        )
        self.input_dropout = nn.Dropout(dropout / 2)
        self.reset_parameters()

    @property
    def supports_sparse_adjacency(self) -> bool:
        """Whether ``forward`` accepts a symmetric sparse CSR adjacency instead of edge_index."""
        return all(layer.supports_sparse_adjacency for layer in self.layers)

    def reset_parameters(self) -> None:
        """Re-initialise all weights."""
        self.encoder.reset_parameters()
        for layer in self.layers:
            layer.reset_parameters()  # type: ignore[operator]
        for module in self.head:
            if isinstance(module, nn.Linear | nn.LayerNorm):
                module.reset_parameters()

    def encode(self, x: Tensor) -> Tensor:
        """Layer-0 embeddings [N, hidden]: node by node, without the graph."""
        out: Tensor = torch.nn.functional.gelu(self.encoder(self.input_dropout(x)))
        return out

    def node_tables(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The per-node part of the forward for a whole graph, to gather per request.

        ``(encode(x) [N, hidden], the first layer's message projection of it [N, width])``:
        neither depends on the links, so :meth:`forward_seeds_from` reads rows of these tables
        instead of recomputing them for every subgraph.
        """
        encoded = self.encode(x)
        convs = self._convs()
        return encoded, convs[0].message(encoded) if convs else encoded[:, :0]

    def embed(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        """Concatenated per-layer embeddings [N, hidden * (num_layers + 1)]."""
        h = self.encode(x)
        states = [h]
        for layer in self.layers:
            h = layer(h, edge_index, edge_attr)
            states.append(h)
        return torch.cat(states, dim=1)

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        """Fraud logits [N]."""
        out: Tensor = self.head(self.embed(x, edge_index, edge_attr)).squeeze(-1)
        return out

    def forward_seeds(
        self,
        x: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None = None,
        *,
        num_seeds: int,
    ) -> Tensor:
        """``forward(x, edge_index, edge_attr)[:num_seeds]``, computing only what those need.

        Layer l runs on the first ``plan.rows[l]`` nodes only (see :class:`SeedPlan`): on a
        2-hop subgraph of a few hundred nodes the second layer and the head see a few dozen
        rows. The real-time path; call it in eval mode (dropout would draw differently).
        """
        plan = self.plan(edge_index, num_seeds, x.size(0))
        encoded = self.encode(x[: plan.rows[0]])
        convs = self._convs()
        first = convs[0].message(encoded) if convs else encoded
        return self._run_plan(plan, encoded, first, edge_attr, num_seeds)

    def forward_seeds_from(
        self,
        tables: tuple[Tensor, Tensor],
        node_ids: Tensor,
        edge_index: Tensor,
        edge_attr: Tensor | None = None,
        *,
        num_seeds: int,
    ) -> Tensor:
        """``forward_seeds(x[node_ids], ...)`` with ``tables = node_tables(x)`` computed once.

        ``node_ids`` [n] are the subgraph's nodes as rows of the tables (seeds first).
        """
        plan = self.plan(edge_index, num_seeds, node_ids.numel())
        encoded = tables[0].index_select(0, node_ids[: plan.rows[min(1, len(plan.views))]])
        first = tables[1].index_select(0, node_ids[: plan.rows[0]])
        return self._run_plan(plan, encoded, first, edge_attr, num_seeds)

    def plan(self, edge_index: Tensor, num_seeds: int, num_nodes: int) -> SeedPlan:
        """The rows and edges each layer needs for the first ``num_seeds`` nodes' logits."""
        if edge_index.layout == torch.sparse_csr:
            raise InvalidInputError("forward_seeds takes an edge_index", field="edge_index")
        directed = [layer.directed for layer in self._convs()]
        return SeedPlan.build(edge_index, num_seeds, num_nodes, directed)

    def _run_plan(
        self,
        plan: SeedPlan,
        h: Tensor,
        projected: Tensor,
        edge_attr: Tensor | None,
        num_seeds: int,
    ) -> Tensor:
        """``h`` [>= rows[1], C] layer-0 states, ``projected`` [rows[0], width] their messages."""
        states = [h[:num_seeds]]
        for index, (layer, views) in enumerate(zip(self._convs(), plan.views, strict=True)):
            if index:
                projected = layer.message(h)
            h = layer.forward_rows(h, projected, views, edge_attr)
            states.append(h[:num_seeds])
        out: Tensor = self.head(torch.cat(states, dim=1)).squeeze(-1)
        return out

    def _convs(self) -> list[SepConv]:
        return [cast(SepConv, layer) for layer in self.layers]
