"""Loaders of the public graph data sets (read the real files; skipped when absent)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from fraudgraph.errors import IngestError, NotFoundError
from fraudgraph.gnn.data.dataset_catalog import DatasetCatalog

pytestmark = [pytest.mark.datasets, pytest.mark.slow]


def _is_two_way(edge_index: torch.Tensor, n: int) -> bool:
    forward = set((edge_index[0] * n + edge_index[1]).tolist())
    backward = set((edge_index[1] * n + edge_index[0]).tolist())
    return forward == backward


def test_tolokers_has_ten_official_splits_and_two_way_edges(datasets_root: Path) -> None:
    dataset = DatasetCatalog(datasets_root).load("tolokers")
    data = dataset.data
    assert data.num_nodes == 11_758
    assert int(data.y.sum()) == 2_566
    assert data.edge_index.size(1) == 2 * 519_000
    assert _is_two_way(data.edge_index, data.num_nodes)
    assert len(dataset.splits) == 10
    for split in dataset.splits:
        parts = torch.cat([split.train, split.val, split.test])
        assert torch.unique(parts).numel() == parts.numel()
        assert split.train.numel() / data.num_nodes == pytest.approx(0.5, abs=0.01)
        assert split.test.numel() / data.num_nodes == pytest.approx(0.25, abs=0.01)
    assert not dataset.directed


def test_reddit_uses_stratified_40_20_40_splits(datasets_root: Path) -> None:
    dataset = DatasetCatalog(datasets_root).load("reddit", seeds=3)
    y = dataset.data.y
    assert dataset.data.x.shape == (10_984, 64)
    assert int(y.sum()) == 366
    assert len(dataset.splits) == 3
    for split in dataset.splits:
        assert int(y[split.train].sum()) == round(0.4 * 366)
        assert int(y[split.val].sum()) == round(0.2 * 366)
        assert split.train.numel() + split.val.numel() + split.test.numel() == 10_984


def test_amlsim_builds_account_graph_without_label_leaks(datasets_root: Path) -> None:
    dataset = DatasetCatalog(datasets_root).load("amlsim-cycle200", seeds=2)
    data = dataset.data
    assert data.num_nodes == 20_000
    assert int(data.y.sum()) == 945
    assert data.edge_index.size(1) == 117_805
    assert data.edge_attr.shape == (117_805, 2)
    assert dataset.directed
    assert not any("fraud" in name.lower() for name in dataset.feature_names)
    assert data.x.shape[1] == len(dataset.feature_names)
    assert torch.isfinite(data.x).all()


def test_amlsim_loads_from_any_folder_path(datasets_root: Path, tmp_path: Path) -> None:
    source = datasets_root / "graph" / "amlsim-cycle200"
    folder = tmp_path / "bank-extract"
    folder.mkdir()
    for name in ("nodes.csv", "transactions.csv"):
        shutil.copy(source / name, folder / name)
    dataset = DatasetCatalog(datasets_root).load(str(folder), seeds=1)
    assert dataset.name == "bank-extract"
    assert dataset.data.num_nodes == 20_000


def test_unknown_names_and_bad_folders_fail_clearly(tmp_path: Path) -> None:
    catalog = DatasetCatalog(tmp_path)
    with pytest.raises(NotFoundError):
        catalog.load("no-such-dataset")
    with pytest.raises(IngestError):
        catalog.load(str(tmp_path))  # a folder without nodes.csv / transactions.csv
