"""Uniform k-neighbour sampling over a :class:`CsrGraph`, in bounded memory.

PyG's NeighborLoader needs pyg-lib or torch-sparse; this sampler needs neither. Every hop keeps
at most ``fanout`` neighbours per frontier node, drawn uniformly without replacement, so a hub
with a million links costs no more than a node with ``fanout`` links (the real-time path relies
on that cap). No dense adjacency is ever built; per-batch memory is O(sum of fan-outs) plus one
reusable id map of N integers.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.sampled_subgraph import SampledSubgraph

_DENSE_KEYS_LIMIT = 1 << 18  # elements of the [rows, max degree] key matrix


class NeighborSampler:
    """Sample multi-hop neighbourhoods: ``fanouts[h]`` neighbours per node at hop ``h``.

    A fan-out below 0 means "all neighbours" (use only on graphs without hubs).
    """

    def __init__(
        self, graph: CsrGraph, edge_index: Tensor, fanouts: Sequence[int], seed: int = 0
    ) -> None:
        if not fanouts:
            raise InvalidInputError("need at least one hop", field="fanouts")
        self.graph = graph
        self.edge_index = edge_index
        self.fanouts = list(fanouts)
        self.generator = torch.Generator().manual_seed(seed)
        self._local = torch.full((graph.num_nodes,), -1, dtype=torch.long)

    def sample(self, seeds: Tensor) -> SampledSubgraph:
        """Sample the neighbourhood of ``seeds`` [B] (distinct global node ids)."""
        seeds = seeds.to(torch.long).flatten()
        if seeds.numel() != torch.unique(seeds).numel():
            raise InvalidInputError("seed nodes must be distinct", field="seeds")
        nodes = [seeds]
        self._local[seeds] = torch.arange(seeds.numel())
        count = seeds.numel()
        frontier = seeds
        slots: list[Tensor] = []
        try:
            for fanout in self.fanouts:
                picked = self._pick_slots(frontier, fanout)
                slots.append(picked)
                neighbours = torch.unique(self.graph.col[picked])
                fresh = neighbours[self._local[neighbours] < 0]
                self._local[fresh] = torch.arange(count, count + fresh.numel())
                count += fresh.numel()
                nodes.append(fresh)
                frontier = fresh
            edge_ids = torch.unique(self.graph.eid[torch.cat(slots)])
            local_edges = self._local[self.edge_index[:, edge_ids]]
        finally:
            node_ids = torch.cat(nodes)
            self._local[node_ids] = -1
        return SampledSubgraph(node_ids, local_edges, edge_ids, int(seeds.numel()))

    def _pick_slots(self, frontier: Tensor, fanout: int) -> Tensor:
        """CSR slots chosen for each frontier node: all when deg <= fanout, else a sample."""
        start = self.graph.rowptr[frontier]
        degree = self.graph.rowptr[frontier + 1] - start
        small = degree <= fanout if fanout >= 0 else torch.ones_like(degree, dtype=torch.bool)
        whole = _expand_ranges(start[small], degree[small])
        if bool(small.all()):
            return whole
        big = degree[~small]
        if big.numel() * int(big.max()) <= _DENSE_KEYS_LIMIT:
            offsets = _random_keys_sample(big, fanout, self.generator)
        else:
            offsets = _floyd_sample(big, fanout, self.generator)
        return torch.cat([whole, (start[~small].unsqueeze(1) + offsets).flatten()])


def _expand_ranges(start: Tensor, length: Tensor) -> Tensor:
    """Concatenate ``arange(start[i], start[i] + length[i])`` for all i, without a Python loop."""
    total = int(length.sum())
    if total == 0:
        return torch.empty(0, dtype=torch.long)
    owner = torch.repeat_interleave(torch.arange(length.numel()), length)
    first = torch.cumsum(length, 0) - length
    return start[owner] + torch.arange(total) - first[owner]


def _random_keys_sample(degree: Tensor, k: int, generator: torch.Generator) -> Tensor:
    """k distinct offsets per row: the k largest of ``degree`` uniform keys (shape [rows, k]).

    A handful of tensor ops instead of Floyd's k-step loop, so the real-time path (few rows)
    is fast; used only while rows x max degree stays under ``_DENSE_KEYS_LIMIT``.
    """
    width = int(degree.max())
    keys = torch.rand((degree.numel(), width), generator=generator)
    keys.masked_fill_(torch.arange(width).unsqueeze(0) >= degree.unsqueeze(1), -1.0)
    return torch.topk(keys, k, dim=1, sorted=False).indices


def _floyd_sample(degree: Tensor, k: int, generator: torch.Generator) -> Tensor:
    """For each row, k distinct offsets in ``[0, degree)`` drawn uniformly (Floyd's algorithm).

    Vectorised over rows: k steps, each drawing one value per row, so cost is O(rows * k^2)
    regardless of how large the degrees are. Shape [rows, k].
    """
    rows = degree.numel()
    chosen = torch.empty((rows, k), dtype=torch.long)
    for step in range(k):
        upper = degree - k + step  # draw from [0, upper]
        draw = (torch.rand(rows, generator=generator) * (upper + 1).to(torch.float64)).long()
        draw = torch.minimum(draw, upper)
        taken = (chosen[:, :step] == draw.unsqueeze(1)).any(dim=1)
        chosen[:, step] = torch.where(taken, upper, draw)
    return chosen
