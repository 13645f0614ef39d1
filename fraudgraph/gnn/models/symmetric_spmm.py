"""Sparse x dense product for a symmetric adjacency, with a cheap backward pass."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


class SymmetricSpmm(torch.autograd.Function):
    """``adjacency @ dense`` where ``adjacency`` (sparse CSR, [N, N]) equals its transpose.

    torch's generic backward transposes the CSR matrix on every call, which dominates the step
    time on dense graphs; for an undirected graph the transpose is the matrix itself, so the
    gradient is one more product with the same CSR.
    """

    @staticmethod
    def forward(ctx: Any, adjacency: Tensor, dense: Tensor) -> Tensor:
        """[N, N] sparse x [N, C] -> [N, C] (computed in the adjacency's precision)."""
        ctx.save_for_backward(adjacency)
        ctx.dense_dtype = dense.dtype  # under bf16 autocast the sparse product stays fp32
        out: Tensor = torch.sparse.mm(adjacency, dense.to(adjacency.dtype))
        return out

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Tensor) -> tuple[None, Tensor]:
        """Gradient w.r.t. ``dense`` only (the graph is not learned)."""
        (adjacency,) = ctx.saved_tensors
        grad = torch.sparse.mm(adjacency, grad_outputs[0].to(adjacency.dtype))
        return None, grad.to(ctx.dense_dtype)


def symmetric_spmm(adjacency: Tensor, dense: Tensor) -> Tensor:
    """Typed entry point of :class:`SymmetricSpmm`."""
    out: Tensor = SymmetricSpmm.apply(adjacency, dense)
    return out
