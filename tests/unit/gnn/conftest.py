"""Fixtures of the gnn unit tests: small synthetic graphs and the public-datasets folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def datasets_root() -> Path:
    """``<project>/../shared/datasets``; skip when absent, except under CI=true where it fails."""
    root = PROJECT_ROOT.parent / "shared" / "datasets"
    if not (root / "graph").is_dir():
        message = f"public datasets not found at {root}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (required when CI=true)")
        pytest.skip(message)
    return root


def planted_heterophily_graph(n: int = 600, seed: int = 0) -> Data:
    """Random undirected graph whose labels are planted in the neighbours' features.

    A node is "fraud" when the mean of its neighbours' first feature is in the top 15%; its own
    features carry no signal, so only a model that passes messages can score well.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=gen)
    src = torch.arange(n).repeat_interleave(5)
    dst = torch.randint(0, n, (src.numel(),), generator=gen)
    edges = torch.stack([src, dst])
    edges = torch.cat([edges, edges.flip(0)], dim=1)  # undirected: both directions stored
    edges = torch.unique(edges[:, edges[0] != edges[1]], dim=1)
    degree = torch.bincount(edges[1], minlength=n).clamp(min=1)
    neighbour_mean = torch.zeros(n).index_add_(0, edges[1], x[edges[0], 0]) / degree
    y = (neighbour_mean > torch.quantile(neighbour_mean, 0.85)).long()
    return Data(x=x, y=y, edge_index=edges)


@pytest.fixture
def planted_graph() -> Data:
    """The planted heterophily graph with 600 nodes."""
    return planted_heterophily_graph()
