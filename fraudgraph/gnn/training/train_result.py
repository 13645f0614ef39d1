"""What a training run reports."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class TrainResult:
    """Best validation AUPRC, the epoch it was reached at, and the run's history."""

    best_val_auprc: float
    best_epoch: int
    epochs_run: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
