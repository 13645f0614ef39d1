"""Configuration and summary of a synthetic world run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fraudgraph.errors import InvalidInputError

MIN_APPLICATIONS = 100
MIN_TRANSACTIONS = 1000
GENERATOR_VERSION = "1.1.0"
FORMAT = "fraudgraph-synth/1"


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """What world to generate. ``transactions`` defaults to ten per application."""

    applications: int
    transactions: int | None = None
    seed: int = 0
    start: date = date(2025, 1, 1)
    days: int = 365
    zh_share: float = 0.85
    messiness: float = 0.3

    def __post_init__(self) -> None:
        if self.applications < MIN_APPLICATIONS:
            raise InvalidInputError(f"must be at least {MIN_APPLICATIONS}", field="applications")
        if self.transactions is not None and self.transactions < MIN_TRANSACTIONS:
            raise InvalidInputError(f"must be at least {MIN_TRANSACTIONS}", field="transactions")
        if not 30 <= self.days <= 3660:
            raise InvalidInputError("must be between 30 and 3660", field="days")
        if not 0.0 <= self.zh_share <= 1.0:
            raise InvalidInputError("must be within [0, 1]", field="zh_share")
        if not 0.0 <= self.messiness <= 1.0:
            raise InvalidInputError("must be within [0, 1]", field="messiness")
        if self.seed < 0:
            raise InvalidInputError("must be non-negative", field="seed")

    @property
    def total_transactions(self) -> int:
        """Number of transactions to write."""
        return self.transactions if self.transactions is not None else 10 * self.applications


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """What a run wrote: the folder, the record counts and how long it took."""

    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
