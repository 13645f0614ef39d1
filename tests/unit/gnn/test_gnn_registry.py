"""Model registry: save, list, show, promote, load the promoted model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch_geometric.data import Data

from fraudgraph.errors import NotFoundError
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.registry import ModelRegistry


def _save(registry: ModelRegistry, data: Data, hidden: int = 8) -> tuple[str, SepGNN]:
    kwargs = {"in_channels": 12, "hidden_channels": hidden, "num_layers": 1}
    model = SepGNN(**kwargs).eval()
    transform = InputTransform("neighbour", directed=False)
    transform.fit(data.x[:, :2], data.edge_index)
    record = registry.save(
        model,
        config={"model": {"class": "SepGNN", "kwargs": kwargs}, "dataset": {"name": "toy"}},
        transform=transform,
        feature_schema={"node_features": ["a", "b"], "feature_mode": "neighbour"},
        metrics={"test_auprc": 0.5},
        fingerprint="abc123",
    )
    return record.version, model


def test_round_trip_and_promote(planted_graph: Data, tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path / "models")
    assert registry.list() == []
    first, _ = _save(registry, planted_graph)
    second, model = _save(registry, planted_graph, hidden=12)
    assert (first, second) == ("v0001", "v0002")
    assert [r.version for r in registry.list()] == ["v0001", "v0002"]
    files = ["weights.pt", "transform.pt", "config.json", "feature_schema.json"]
    files += ["metrics.json", "fingerprint.txt", "README.md"]
    for name in files:
        assert (tmp_path / "models" / second / name).is_file()
    record = registry.show(second)
    assert record.metrics == {"test_auprc": 0.5}
    assert record.fingerprint == "abc123"
    assert not record.promoted
    with pytest.raises(NotFoundError):
        registry.load_promoted()
    assert registry.promote(second).promoted
    loaded = registry.load_promoted()
    assert loaded.record.version == second
    x = loaded.transform.apply(planted_graph.x[:, :2], planted_graph.edge_index)
    # 2 raw + degree + 3 aggregators x 2 + 2-hop mean x 2 + mean neighbour degree
    assert x.shape[1] == 12
    with torch.no_grad():
        assert torch.equal(
            loaded.model(x, planted_graph.edge_index), model(x, planted_graph.edge_index)
        )
    assert "# fraudgraph GNN model v0002" in (record.path / "README.md").read_text()
    registry.promote(first)
    assert registry.promoted_version() == first
    assert not registry.show(second).promoted


def test_unknown_version_is_not_found(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    with pytest.raises(NotFoundError):
        registry.show("v0009")
    with pytest.raises(NotFoundError):
        registry.promote("../etc")
