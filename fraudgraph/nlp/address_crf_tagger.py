"""The address parser's fast path through a CRF pipeline: the same spans, a cheaper Viterbi.

:class:`CrfNerComponent` decodes with the full ``tags x tags`` Viterbi step. The address tag
set is large (93 BIOES tags) and most moves are illegal (``B-road`` is followed only by
``I-road`` or ``E-road``), so that step is most of the tagging time. Here each tag only looks at
its legal predecessors: tags that share one predecessor set (every tag that opens a span: ``O``,
``B-*``, ``S-*``, reachable from ``O``, ``E-*``, ``S-*``) take one dense max over that set, the
others (``I-*``, ``E-*``, two predecessors each) one gathered max. Illegal moves carry a fixed
penalty that never wins, so the decoded paths are those of the component; the emissions and
transition scores are the component's own (the mean over an ensemble's members).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from fraudgraph.errors import ModelError
from fraudgraph.nlp.corpus import Span
from fraudgraph.nlp.crf_layer import trace_back

if TYPE_CHECKING:
    from fraudgraph.nlp.crf_ner_component import CrfNerComponent
    from fraudgraph.nlp.crf_vocab import EncodedBatch


class AddressCrfTagger:
    """Tags texts like ``component.predict`` with a Viterbi restricted to legal moves."""

    def __init__(self, component: CrfNerComponent) -> None:
        if component.vocab is None or not component.models:
            raise ModelError(f"component {component.name!r} has no trained CRF model")
        self.vocab = component.vocab
        self.models = list(component.models)
        for model in self.models:
            model.eval()
        self.batch_size = component.batch_size
        with torch.no_grad():
            parts = zip(*(model.crf.scores() for model in self.models), strict=True)
            self.transitions, self.start, self.end = (
                torch.stack(part).mean(dim=0) for part in parts
            )
        moves = self.vocab.allowed()[0]
        self._group_moves(moves)

    def _group_moves(self, moves: torch.Tensor) -> None:
        """The largest set of tags with one predecessor set (dense) and the rest (gathered)."""
        sources: dict[tuple[int, ...], list[int]] = {}
        for target in range(moves.shape[1]):
            legal = tuple(int(i) for i in torch.nonzero(moves[:, target]).flatten())
            sources.setdefault(legal or tuple(range(moves.shape[0])), []).append(target)
        dense = max(sources, key=lambda key: len(sources[key]))
        self.dense_from = torch.tensor(dense, dtype=torch.long)
        self.dense_to = torch.tensor(sources.pop(dense), dtype=torch.long)
        rest = [(source, target) for source, targets in sources.items() for target in targets]
        width = max((len(source) for source, _ in rest), default=1)
        self.rest_to = torch.tensor([target for _, target in rest], dtype=torch.long)
        # Padded with the first predecessor again: a duplicate never changes the max.
        self.rest_from = torch.tensor(
            [list(source) + [source[0]] * (width - len(source)) for source, _ in rest],
            dtype=torch.long,
        ).reshape(len(rest), width)
        self.dense_moves = self.transitions[self.dense_from][:, self.dense_to]
        self.rest_moves = self.transitions[self.rest_from, self.rest_to.unsqueeze(1)]

    def predict(self, texts: Sequence[str]) -> list[list[Span]]:
        """Character spans of every text (empty texts have none), as the component finds."""
        results: list[list[Span]] = [[] for _ in texts]
        todo = sorted((i for i, text in enumerate(texts) if text), key=lambda i: len(texts[i]))
        with torch.inference_mode():
            for first in range(0, len(todo), self.batch_size):
                chunk = todo[first : first + self.batch_size]
                batch = self.vocab.encode([texts[i] for i in chunk])
                paths = self.decode(self.emissions(batch), batch.mask)
                for i, path in zip(chunk, paths, strict=True):
                    results[i] = self.vocab.spans(path)
        return results

    def emissions(self, batch: EncodedBatch) -> torch.Tensor:
        """Tag scores of the batch, the mean over the members."""
        if len(self.models) == 1:
            only: torch.Tensor = self.models[0](batch)
            return only
        return torch.stack([model(batch) for model in self.models]).mean(dim=0)

    def decode(self, emissions: torch.Tensor, mask: torch.Tensor) -> list[list[int]]:
        """The best legal tag path of each row, cut to the row's length."""
        rows, length, num_tags = emissions.shape
        score = self.start.unsqueeze(0) + emissions[:, 0]
        stay = torch.arange(num_tags).expand(rows, num_tags)
        pointers = []
        for position in range(1, length):
            best = torch.empty(rows, num_tags)
            came_from = torch.empty(rows, num_tags, dtype=torch.long)
            values, index = (score[:, self.dense_from].unsqueeze(2) + self.dense_moves).max(dim=1)
            best[:, self.dense_to] = values
            came_from[:, self.dense_to] = self.dense_from[index]
            values, index = (score[:, self.rest_from] + self.rest_moves).max(dim=2)
            best[:, self.rest_to] = values
            came_from[:, self.rest_to] = self.rest_from.gather(1, index.t()).t()
            real = mask[:, position].unsqueeze(1)
            score = torch.where(real, best + emissions[:, position], score)
            pointers.append(torch.where(real, came_from, stay))
        return trace_back(score + self.end.unsqueeze(0), pointers, mask)
