"""Hyper-parameters of one training run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class TrainConfig:
    """Everything the :class:`Trainer` needs besides the model and the data.

    ``batch_size`` None trains full-batch (fine for graphs of ~1e5 nodes); a number switches to
    mini-batches of sampled neighbourhoods with ``fanouts`` neighbours per hop.
    """

    epochs: int = 300
    lr: float = 0.005
    weight_decay: float = 1e-4
    patience: int = 40
    batch_size: int | None = None
    fanouts: tuple[int, ...] = (15, 10)
    seed: int = 0
    device: str = "auto"
    amp: bool = True
    sparse_adjacency: bool = True
    progress: bool = True
    checkpoint_dir: Path | None = None
    resume: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly copy (paths as strings)."""
        out = asdict(self)
        out["checkpoint_dir"] = None if self.checkpoint_dir is None else str(self.checkpoint_dir)
        out["fanouts"] = list(self.fanouts)
        return out
