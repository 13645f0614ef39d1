"""A validated scoring request, as the decision engine receives it."""

from __future__ import annotations

from dataclasses import dataclass

from fraudgraph.types import Application, Transaction


@dataclass(frozen=True, slots=True)
class ScoringRequest:
    """One request to score; ``payload_hash`` tells a retry from a reuse of its id."""

    request_id: str
    record: Transaction | Application
    payload_hash: str
