"""Segment reductions over edges with plain torch (no torch-scatter needed).

``src_values`` [E, F] are reduced into ``num_nodes`` rows by ``index`` [E] (the receiving node).
Rows without any edge get zeros.
"""

from __future__ import annotations

import torch
from torch import Tensor


def segment_sum(src_values: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """Sum per receiving node, shape [num_nodes, F]."""
    out = src_values.new_zeros((num_nodes, src_values.size(1)))
    return out.index_add_(0, index, src_values)


def segment_count(index: Tensor, num_nodes: int, dtype: torch.dtype) -> Tensor:
    """Number of edges per receiving node, shape [num_nodes, 1]."""
    return torch.bincount(index, minlength=num_nodes).to(dtype).unsqueeze(1)


def segment_mean(src_values: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """Mean per receiving node, shape [num_nodes, F]."""
    count = segment_count(index, num_nodes, src_values.dtype).clamp(min=1)
    return segment_sum(src_values, index, num_nodes) / count


def segment_max(src_values: Tensor, index: Tensor, num_nodes: int) -> Tensor:
    """Maximum per receiving node, shape [num_nodes, F] (0 for isolated nodes)."""
    out = src_values.new_zeros((num_nodes, src_values.size(1)))
    expanded = index.unsqueeze(1).expand_as(src_values)
    out = out.scatter_reduce(0, expanded, src_values, reduce="amax", include_self=False)
    return out


def segment_std(src_values: Tensor, index: Tensor, num_nodes: int, eps: float = 1e-5) -> Tensor:
    """Standard deviation per receiving node, shape [num_nodes, F]."""
    mean = segment_mean(src_values, index, num_nodes)
    mean_sq = segment_mean(src_values * src_values, index, num_nodes)
    return torch.sqrt(torch.relu(mean_sq - mean * mean) + eps)
