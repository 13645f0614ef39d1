"""The node-feature transform a model was trained with, replayable on any (sub)graph."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.neighbour_features import NeighbourFeatures

MODES = ("raw", "neighbour")


@dataclass(slots=True)
class InputTransform:
    """``raw`` passes features through; ``neighbour`` appends neighbour aggregates.

    Either way the result is standardised with statistics fitted on the training graph, so a
    real-time subgraph is scaled exactly like the graph the model learned from.
    """

    mode: str = "raw"
    directed: bool = False
    mean: Tensor = field(default_factory=lambda: torch.zeros(0))
    std: Tensor = field(default_factory=lambda: torch.ones(0))

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InvalidInputError(f"unknown mode {self.mode!r}", field="feature_mode")

    def build(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """Unscaled features [N, F'] for nodes ``x`` [N, F] and edges [2, E]."""
        if self.mode == "raw":
            return x.float()
        names = [str(i) for i in range(x.size(1))]
        built, _ = NeighbourFeatures().build(x.float(), edge_index, self.directed, names)
        return built

    def fit(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """Learn the scaling on the training graph and return its transformed features."""
        built = self.build(x, edge_index)
        self.mean = built.mean(dim=0)
        std = built.std(dim=0)
        self.std = torch.where(std > 0, std, torch.ones_like(std))
        return (built - self.mean) / self.std

    def apply(self, x: Tensor, edge_index: Tensor) -> Tensor:
        """Transform with the fitted scaling, [N, F']."""
        return (self.build(x, edge_index) - self.mean) / self.std

    def state(self) -> dict[str, object]:
        """Serialisable state (tensors stay tensors; save with torch.save)."""
        return {"mode": self.mode, "directed": self.directed, "mean": self.mean, "std": self.std}

    @classmethod
    def from_state(cls, state: dict[str, object]) -> InputTransform:
        """Inverse of :meth:`state`."""
        mean, std = state["mean"], state["std"]
        if not isinstance(mean, Tensor) or not isinstance(std, Tensor):
            raise InvalidInputError("transform state lacks tensors", field="mean/std")
        return cls(str(state["mode"]), bool(state["directed"]), mean, std)
