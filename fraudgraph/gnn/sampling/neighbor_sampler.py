"""Uniform k-neighbour sampling over a :class:`CsrGraph`, in bounded memory.

PyG's NeighborLoader needs pyg-lib or torch-sparse; this sampler needs neither. Every hop keeps
at most ``fanout`` neighbours per frontier node, drawn uniformly without replacement, so a hub
with a million links costs no more than a node with ``fanout`` links (the real-time path relies
on that cap). No dense adjacency is ever built; per-batch memory is O(sum of fan-outs) plus one
reusable id map of N integers.

The work is done with numpy views of the CSR tensors (no copy): a real-time request is a few
dozen operations on arrays of a few hundred ids, where numpy's per-call overhead is several
times lower than torch's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

from fraudgraph.errors import InvalidInputError
from fraudgraph.gnn.sampling.csr_graph import CsrGraph
from fraudgraph.gnn.sampling.sampled_subgraph import SampledSubgraph

_DENSE_KEYS_LIMIT = 1 << 18  # elements of the [rows, max degree] random-key matrix
_KEYS_DEGREE_FACTOR = 4  # rows with degree <= 4 x fan-out draw by random keys, larger by redraws


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
        self.rng = np.random.default_rng(seed)
        self._rowptr = _as_numpy(graph.rowptr)
        self._col = _as_numpy(graph.col)
        self._eid = _as_numpy(graph.eid)
        self._edges = _as_numpy(edge_index)
        self._local = np.full(graph.num_nodes, -1, dtype=np.int64)

    def sample(self, seeds: Tensor) -> SampledSubgraph:
        """Sample the neighbourhood of ``seeds`` [B] (distinct global node ids)."""
        roots = _as_numpy(seeds.to(torch.long).flatten())
        if roots.size > 1 and _sorted_unique(roots).size != roots.size:
            raise InvalidInputError("seed nodes must be distinct", field="seeds")
        local = self._local
        nodes = [roots]
        local[roots] = np.arange(roots.size)
        count = roots.size
        frontier = roots
        slots: list[np.ndarray] = []
        try:
            for fanout in self.fanouts:
                picked = self._pick_slots(frontier, fanout)
                slots.append(picked)
                neighbours = _sorted_unique(self._col[picked])
                fresh = neighbours[local[neighbours] < 0]
                local[fresh] = np.arange(count, count + fresh.size)
                count += fresh.size
                nodes.append(fresh)
                frontier = fresh
            edge_ids = _sorted_unique(self._eid[np.concatenate(slots)])
            local_edges = local[self._edges[:, edge_ids]]
        finally:
            node_ids = np.concatenate(nodes)
            local[node_ids] = -1
        return SampledSubgraph(
            torch.from_numpy(node_ids),
            torch.from_numpy(local_edges),
            torch.from_numpy(edge_ids),
            int(roots.size),
        )

    def _pick_slots(self, frontier: np.ndarray, fanout: int) -> np.ndarray:
        """CSR slots chosen for each frontier node: all when deg <= fanout, else a sample."""
        start = self._rowptr[frontier]
        degree = self._rowptr[frontier + 1] - start
        if fanout < 0:
            return _expand_ranges(start, degree)
        small = degree <= fanout
        if small.all():
            return _expand_ranges(start, degree)
        parts = [_expand_ranges(start[small], degree[small])]
        medium = ~small & (degree <= _KEYS_DEGREE_FACTOR * fanout)
        huge = degree > _KEYS_DEGREE_FACTOR * fanout
        if medium.any() and medium.sum() * degree[medium].max() > _DENSE_KEYS_LIMIT:
            medium, huge = np.zeros_like(medium), ~small
        for rows, draw in ((medium, _random_keys_sample), (huge, _redraw_sample)):
            if rows.any():
                offsets = draw(degree[rows], fanout, self.rng)
                parts.append((start[rows][:, None] + offsets).ravel())
        return np.concatenate(parts)


def _as_numpy(tensor: Tensor) -> np.ndarray:
    """A numpy view (no copy) of a CPU integer tensor, as int64."""
    array: np.ndarray = tensor.detach().cpu().to(torch.long).numpy()
    return array


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """Distinct values in ascending order (numpy's hash-based ``unique`` is ~10x slower on
    the few hundred ids of a request)."""
    ordered = np.sort(values)
    keep = np.empty(ordered.size, dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _expand_ranges(start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(start[i], start[i] + length[i])`` for all i, without a Python loop."""
    total = int(length.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    first = np.cumsum(length) - length
    return np.repeat(start - first, length) + np.arange(total)


def _random_keys_sample(degree: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct offsets per row: the k smallest of ``degree`` uniform keys (shape [rows, k]).

    Every k-subset of a row is equally likely. Cost rows x max degree, so it serves rows whose
    degree is a small multiple of k.
    """
    width = int(degree.max())
    keys = rng.random((degree.size, width))
    keys[np.arange(width)[None, :] >= degree[:, None]] = 2.0  # past the row's end: never drawn
    chosen: np.ndarray = np.argpartition(keys, k - 1, axis=1)[:, :k]
    return chosen


def _redraw_sample(degree: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k distinct offsets per row in ``[0, degree)``, uniform over k-subsets (shape [rows, k]).

    Draw k offsets with replacement, then redraw the repeats until each row's are distinct.
    The procedure treats all offsets alike (it only ever asks whether two are equal), so the
    distribution of the chosen set is invariant under relabelling, hence uniform. For degree
    > 4k a redraw repeats with probability < 1/4, so a few vectorised rounds suffice.
    """
    span = degree[:, None].astype(np.float64)
    drawn = (rng.random((degree.size, k)) * span).astype(np.int64)
    chosen: np.ndarray = np.minimum(drawn, degree[:, None] - 1)
    while True:
        chosen.sort(axis=1)
        repeat = np.zeros(chosen.shape, dtype=bool)
        repeat[:, 1:] = chosen[:, 1:] == chosen[:, :-1]
        if not repeat.any():
            return chosen
        rows = np.nonzero(repeat)[0]
        fresh = (rng.random(rows.size) * span[rows, 0]).astype(np.int64)
        chosen[repeat] = np.minimum(fresh, degree[rows] - 1)
