"""Unsupervised anomaly score for graphs (or subgraphs) with few or no labels."""

from __future__ import annotations

import torch
from torch import Tensor

from fraudgraph.errors import ModelError
from fraudgraph.gnn.scatter_ops import segment_mean


class NeighbourhoodAnomalyScorer:
    """Reconstruction error of ``[x, x - mean(neighbours)]`` under a low-rank (PCA) model.

    Normal behaviour is low-rank and consistent with one's neighbourhood; a node whose own
    features or whose deviation from its neighbours cannot be explained by the ``rank`` main
    directions scores high. Fit on the subgraph at hand, no labels needed.
    Shapes: ``x`` [N, F], ``edge_index`` [2, E] -> scores [N] (higher = more anomalous).
    """

    def __init__(self, rank: int = 4) -> None:
        self.rank = rank
        self._mean: Tensor | None = None
        self._scale: Tensor | None = None
        self._basis: Tensor | None = None

    def features(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """Own features next to their deviation from the neighbourhood mean, [N, 2F]."""
        neighbour_mean = segment_mean(x[edge_index[0]], edge_index[1], x.size(0))
        return torch.cat([x, x - neighbour_mean], dim=1)

    def fit(self, x: Tensor, edge_index: Tensor) -> NeighbourhoodAnomalyScorer:
        """Learn robust centring and the principal directions."""
        z = self.features(x.float(), edge_index)
        self._mean = z.median(dim=0).values
        mad = (z - self._mean).abs().median(dim=0).values
        self._scale = torch.where(mad > 0, mad * 1.4826, torch.ones_like(mad))
        centred = ((z - self._mean) / self._scale).clamp(-10.0, 10.0)
        rank = max(1, min(self.rank, centred.size(1) - 1))
        # Fit the "normal" directions on the robust core only: a handful of strong outliers
        # would otherwise pull a principal axis towards themselves and hide their own error.
        core = centred[centred.abs().amax(dim=1) <= 3.0]
        if core.size(0) < 4 * rank:
            core = centred
        _, _, v = torch.pca_lowrank(core, q=rank, center=True)
        self._basis = v[:, :rank]
        return self

    def score(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """Anomaly score per node (squared reconstruction error, clipped features)."""
        if self._mean is None or self._scale is None or self._basis is None:
            self.fit(x, edge_index)
        mean, scale, basis = self._mean, self._scale, self._basis
        if mean is None or scale is None or basis is None:
            raise ModelError("anomaly scorer could not be fitted")
        z = (self.features(x.float(), edge_index) - mean) / scale
        z = z.clamp(-10.0, 10.0)  # one absurd field should not dominate the ranking
        residual = z - (z @ basis) @ basis.t()
        return (residual * residual).sum(dim=1)
