"""Following the registry's promoted pointer, and turning a registry model into a scorer."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from fraudgraph.errors import GraphError, ModelError
from fraudgraph.gnn.input_transform import InputTransform
from fraudgraph.gnn.models.sep_gnn import SepGNN
from fraudgraph.gnn.registry import LoadedModel, ModelRecord, ModelRegistry
from fraudgraph.service.gnn_scorer_factory import GnnScorerFactory
from fraudgraph.service.model_watcher import ModelWatcher
from fraudgraph.service.scorer import ScoreResult, ScoringFeatures
from fraudgraph.service.serving_graph import ServingGraph

FEATURES = ("Account.amount", "Account.degree", "type.Account")


class NamedScorer:
    """A scorer that only says which model it came from."""

    def __init__(self, version: str) -> None:
        self.version = version

    def score(self, features: ScoringFeatures) -> ScoreResult:
        return ScoreResult(0.0, (), self.version)


def _save(registry: ModelRegistry, schema: dict[str, object], seed: int = 0) -> ModelRecord:
    torch.manual_seed(seed)
    kwargs = {"in_channels": len(FEATURES), "hidden_channels": 4, "num_layers": 1}
    transform = InputTransform("raw")
    transform.fit(torch.randn(10, len(FEATURES)), torch.zeros((2, 0), dtype=torch.long))
    return registry.save(SepGNN(**kwargs), config={"model": {"class": "SepGNN", "kwargs": kwargs}},
                         transform=transform, feature_schema=schema, metrics={},
                         fingerprint="f")  # fmt: skip


def _graph(target: str = "Account") -> ServingGraph:
    x = torch.randn(6, len(FEATURES))
    edges = torch.tensor([[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]])
    rows = {f"Account:A{i}": i + 2 for i in range(4)}  # rows 2..5; 0-1 are other node types
    return ServingGraph(target, x, torch.cat([edges, edges.flip(0)], 1), FEATURES, rows)


def test_watcher_hands_over_each_new_promotion_once(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    first, second = _save(registry, {}), _save(registry, {})
    served: list[str] = []
    built: list[str] = []

    def build(loaded: LoadedModel) -> NamedScorer:
        built.append(loaded.record.version)
        return NamedScorer(loaded.record.version)

    watcher = ModelWatcher(registry, build, lambda s: served.append(s.version), interval_s=1)
    assert not watcher.check()  # nothing promoted yet
    registry.promote(first.version)
    assert watcher.check()
    assert not watcher.check()
    registry.promote(second.version)
    assert watcher.check()
    assert served == [first.version, second.version]
    assert built == served


def test_unusable_model_is_skipped_and_graph_outage_retried(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    record = _save(registry, {})
    registry.promote(record.version)
    calls: list[str] = []
    failures: list[Exception] = [GraphError("neo4j down"), ModelError("bad model")]

    def build(loaded: LoadedModel) -> NamedScorer:
        calls.append(loaded.record.version)
        if failures:
            raise failures.pop(0)
        return NamedScorer(loaded.record.version)

    served: list[str] = []
    watcher = ModelWatcher(registry, build, lambda s: served.append(s.version), interval_s=1)
    assert not watcher.check()  # graph down: tried again at the next poll
    assert not watcher.check()  # the model itself is unusable: not tried again
    assert not watcher.check()
    assert calls == [record.version, record.version]
    assert watcher.attempts == 2
    assert served == []


def test_factory_scores_every_target_node_with_the_model(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path)
    schema = {"target": "Account", "node_features": list(FEATURES)}
    loaded = registry.load(_save(registry, schema, seed=3).version)
    graph = _graph()
    scorer = GnnScorerFactory(lambda target: graph, fanouts=(5, 5), batch=2).build(loaded)
    assert scorer.version == loaded.record.version
    keys = ("Account:A1", "Device:unknown")
    result = scorer.score(ScoringFeatures("transaction", "t", 1.0, 0.0, (), keys=keys))
    with torch.inference_mode():
        features = loaded.transform.apply(graph.x, graph.edge_index)
        expected = torch.sigmoid(loaded.model(features, graph.edge_index, None))[3]
    # A1's 2-hop neighbourhood in a 6-node path with fan-out 5 is the whole reachable graph.
    assert result.score == pytest.approx(max(float(expected), 0.02), abs=1e-4)


@pytest.mark.parametrize(
    "schema",
    [{"node_features": list(FEATURES)}, {"target": "Account", "node_features": ["other"]}],
)
def test_factory_refuses_models_not_trained_on_this_graph(
    tmp_path: Path, schema: dict[str, object]
) -> None:
    registry = ModelRegistry(tmp_path)
    loaded = registry.load(_save(registry, schema).version)
    with pytest.raises(ModelError):
        GnnScorerFactory(lambda target: _graph()).build(loaded)


def test_grown_graph_is_aligned_to_the_model_columns() -> None:
    graph = _graph()
    grown = ServingGraph(
        "Account",
        torch.cat([graph.x[:, 2:], torch.ones(6, 1), graph.x[:, :1]], 1),
        graph.edge_index,
        ("type.Account", "Account.new_relationship", "Account.amount"),
        graph.rows,
    )
    aligned = grown.aligned(FEATURES)
    assert aligned.feature_names == FEATURES
    assert torch.equal(aligned.x[:, 0], graph.x[:, 0])
    assert torch.equal(aligned.x[:, 1], torch.zeros(6))  # Account.degree is absent: no such links
    assert torch.equal(aligned.x[:, 2], graph.x[:, 2])
    with pytest.raises(ModelError):
        grown.aligned(("other.a", "other.b", "Account.amount"))
