"""Building the service's scorer from a registry model: off the request path, checked first.

The promoted model scores every node of its target type (accounts, say) once, each from its
capped k-hop neighbourhood in the current graph (:class:`fraudgraph.gnn.inference.
SubgraphScorer`), when the model is loaded. Requests then read those scores from memory: a
forward pass per request (several ms on this machine) would not fit a 10 ms p99 budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import torch

from fraudgraph.errors import ModelError
from fraudgraph.gnn.inference import SubgraphScorer
from fraudgraph.gnn.registry import LoadedModel
from fraudgraph.service.gnn_scorer import GnnScorer, NodeScoreTable
from fraudgraph.service.serving_graph import ServingGraph

LOG = logging.getLogger(__name__)
GraphSource = Callable[[str], ServingGraph]


class GnnScorerFactory:
    """Turns a loaded registry model into a :class:`GnnScorer` over the serving graph."""

    def __init__(
        self, graph_source: GraphSource, *, fanouts: Sequence[int] = (15, 10), batch: int = 256
    ) -> None:
        self._graph_source = graph_source
        self._fanouts = tuple(fanouts)
        self._batch = batch

    def build(self, loaded: LoadedModel) -> GnnScorer:
        """Score the target nodes with ``loaded``; raises ModelError for an unusable model."""
        started = time.perf_counter()
        version = loaded.record.version
        target = loaded.record.feature_schema.get("target")
        if not isinstance(target, str):
            raise ModelError(
                f"model {version} names no target node type: it was not trained on the "
                "knowledge graph export"
            )
        expected = list(loaded.record.feature_schema.get("node_features", []))
        try:
            graph = self._graph_source(target).aligned(expected)
        except ModelError as exc:
            raise ModelError(f"model {version}: {exc}") from exc
        scores = self._score_all(loaded, graph)
        keys = sorted(graph.rows, key=graph.rows.__getitem__)
        LOG.info("model %s scored %d %s nodes in %.1fs", version, len(keys), target,
                 time.perf_counter() - started)  # fmt: skip
        return GnnScorer(NodeScoreTable(scores), {k: i for i, k in enumerate(keys)}, version)

    def _score_all(self, loaded: LoadedModel, graph: ServingGraph) -> list[float]:
        per_seed = 1
        width = 1
        for fanout in self._fanouts:
            width *= fanout
            per_seed += width
        scorer = SubgraphScorer(
            loaded.model, loaded.transform, graph.x, graph.edge_index,
            fanouts=self._fanouts, max_nodes=self._batch * per_seed,
        )  # fmt: skip
        rows = sorted(graph.rows.values())
        out: list[float] = []
        for start in range(0, len(rows), self._batch):
            chunk = torch.tensor(rows[start : start + self._batch], dtype=torch.long)
            out.extend(float(p) for p in scorer.score(chunk))
        return out
