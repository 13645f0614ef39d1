"""The result of sampling: a small subgraph around seed nodes, in local ids."""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True, slots=True)
class SampledSubgraph:
    """Subgraph around ``num_seeds`` seed nodes.

    ``node_ids`` [n] are global ids with the seeds first (in the order given), ``edge_ids`` [m]
    are columns of the full graph's ``edge_index`` and ``edge_index`` [2, m] is the same edges
    in local ids, so ``x[node_ids]`` and ``edge_attr[edge_ids]`` feed a model directly and the
    first ``num_seeds`` rows of its output belong to the seeds.
    """

    node_ids: Tensor
    edge_index: Tensor
    edge_ids: Tensor
    num_seeds: int

    @property
    def num_nodes(self) -> int:
        """Number of nodes in the subgraph."""
        return int(self.node_ids.numel())
