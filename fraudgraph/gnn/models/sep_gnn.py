"""Node fraud-probability GNN for heterophilous graphs."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

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

    def embed(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        """Concatenated per-layer embeddings [N, hidden * (num_layers + 1)]."""
        h = torch.nn.functional.gelu(self.encoder(self.input_dropout(x)))
        states = [h]
        for layer in self.layers:
            h = layer(h, edge_index, edge_attr)
            states.append(h)
        return torch.cat(states, dim=1)

    def forward(self, x: Tensor, edge_index: Tensor, edge_attr: Tensor | None = None) -> Tensor:
        """Fraud logits [N]."""
        out: Tensor = self.head(self.embed(x, edge_index, edge_attr)).squeeze(-1)
        return out
