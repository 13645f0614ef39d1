"""Compressed sparse row view of a graph, indexed by the node that receives messages."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from torch import Tensor

from fraudgraph.errors import InvalidInputError


@dataclass(frozen=True, slots=True)
class CsrGraph:
    """Incoming adjacency in CSR form.

    For node ``v`` the slots ``rowptr[v]:rowptr[v + 1]`` hold its neighbours ``col`` (the nodes
    whose messages ``v`` receives) and ``eid``, the column of ``edge_index`` each slot came from.
    Shapes: ``rowptr`` [N + 1], ``col`` [S], ``eid`` [S] with S the number of slots.
    """

    rowptr: Tensor
    col: Tensor
    eid: Tensor

    @property
    def num_nodes(self) -> int:
        """Number of nodes N."""
        return int(self.rowptr.numel()) - 1

    def degree(self) -> Tensor:
        """In-degree of every node, shape [N]."""
        return self.rowptr[1:] - self.rowptr[:-1]

    def neighbours(self, node: int) -> Tensor:
        """Neighbours of one node (for tests and debugging)."""
        return self.col[int(self.rowptr[node]) : int(self.rowptr[node + 1])]

    @classmethod
    def from_edge_index(
        cls, edge_index: Tensor, num_nodes: int, *, both_directions: bool = False
    ) -> CsrGraph:
        """Build the CSR of ``edge_index`` [2, E] (row 0 = source, row 1 = target).

        With ``both_directions`` every edge is also reachable from its target, so directed graphs
        (money transfers) can be sampled on incoming and outgoing links alike; ``eid`` still names
        the original edge so its direction and attributes are kept.
        """
        if edge_index.dim() != 2 or edge_index.size(0) != 2:
            raise InvalidInputError("expected shape [2, E]", field="edge_index")
        if edge_index.numel() and int(edge_index.max()) >= num_nodes:
            raise InvalidInputError("node id out of range", field="edge_index")
        src, dst = edge_index[0], edge_index[1]
        eid = torch.arange(edge_index.size(1), dtype=torch.long)
        if both_directions:
            src, dst = torch.cat([src, dst]), torch.cat([dst, src])
            eid = torch.cat([eid, eid])
        order = torch.argsort(dst * num_nodes + src, stable=True)
        counts = torch.bincount(dst, minlength=num_nodes)
        rowptr = torch.zeros(num_nodes + 1, dtype=torch.long)
        torch.cumsum(counts, 0, out=rowptr[1:])
        return cls(rowptr=rowptr, col=src[order].contiguous(), eid=eid[order].contiguous())

    def to_sparse_adjacency(self) -> Tensor:
        """``torch.sparse_csr`` matrix [N, N] with ones where row receives from column."""
        values = torch.ones(self.col.numel())
        size = (self.num_nodes, self.num_nodes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "sparse CSR support is in beta"
            return torch.sparse_csr_tensor(self.rowptr, self.col, values, size)
