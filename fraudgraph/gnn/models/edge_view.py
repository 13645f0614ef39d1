"""The edges one layer of a trimmed forward reads, in one direction."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True, slots=True)
class EdgeView:
    """Messages into the first ``rows`` nodes of a subgraph, sorted by receiver.

    ``src`` [e] sends to ``dst`` [e] (local ids, every ``dst`` < rows); ``edges`` [e] are their
    columns of the subgraph's ``edge_index`` (to pick edge features); ``count`` [rows, 1] is how
    many messages each receiver gets, at least 1 (the divisor of the mean).
    """

    src: Tensor
    dst: Tensor
    edges: Tensor
    count: Tensor
