"""Greedy decoding of a trained spaCy NER with numpy, a whole batch of documents per step.

spaCy's transition-based NER scores every (state, action) pair in compiled code, but on short
bank texts most of its time goes to per-state bookkeeping rather than arithmetic. This decoder
runs the same model on the same features and takes the same greedy decisions, vectorised over
the batch: for each step it gathers the three precomputed feature rows of every unfinished
document (the next token, the first token of the open entity, the token before the next one),
applies the maxout hidden layer and the output layer, masks the actions that the BILUO scheme
forbids in each state and takes the best remaining one. The weights, the feature layout and
the validity rules are those of ``spacy.pipeline.EntityRecognizer`` (``beam_width`` 1, three
state features, maxout hidden layer, an output layer): models of another shape are refused and
run through spaCy as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy
from spacy.attrs import IS_SPACE, SENT_START
from spacy.tokens import Doc, Span

from fraudgraph.nlp.cached_tok2vec import CachedTok2Vec, doc_batches

if TYPE_CHECKING:
    from numpy.typing import NDArray

    #: ``CachedTok2Vec.encode``'s (row of each token, table of distinct vectors).
    _Encoded = tuple[NDArray[numpy.int64], NDArray[numpy.float32]]
    #: The lower layer's output per distinct vector, and the row in it of each token.
    _Features = tuple[NDArray[numpy.float32], NDArray[numpy.int64]]

# Action types of the BILUO transition system; NEVER marks actions never valid at prediction.
BEGIN, IN, LAST, UNIT, OUT, NEVER = range(6)
_PREFIXES = {"B": BEGIN, "I": IN, "L": LAST, "U": UNIT}
_FEATURES = 3
# Batches are cut by doc_batches (MAX_BATCH_TOKENS in cached_tok2vec): the precomputed features
# take about 1.5 kB a token (3 features x 64 hidden x 2 pieces, float32).


@dataclass(frozen=True, slots=True)
class _Batch:
    """Token layout of a batch: offsets and lengths per doc, flags per token."""

    offsets: NDArray[numpy.int64]
    lengths: NDArray[numpy.int64]
    space: NDArray[numpy.bool_]
    sent_start: NDArray[numpy.bool_]


class GreedyNer:
    """Runs a loaded spaCy ``ner`` component's model with a vectorised greedy decoder."""

    def __init__(self, component: Any) -> None:
        model = component.model
        self.name: str = component.name
        self._tok2vec, self._lower, upper = model.layers
        # listener >> list2array >> linear: each token's input to the lower layer is a function
        # of its vector from the pipeline's tok2vec alone: computed once per distinct vector.
        names = [layer.name for layer in self._tok2vec.layers]
        listening = names == ["tok2vec-listener", "list2array", "linear"]
        self._linear = self._tok2vec.layers[-1] if listening else None
        self._bias: NDArray[numpy.float32] = self._lower.get_param("b")
        self._weights: NDArray[numpy.float32] = upper.get_param("W")
        self._upper_bias: NDArray[numpy.float32] = upper.get_param("b")
        self._unseen = sorted(model.attrs.get("unseen_classes", ()))
        names = [component.moves.get_class_name(i) for i in range(component.moves.n_moves)]
        self._types = numpy.array([self._type(name) for name in names], dtype=numpy.int64)
        self.labels = ["" if "-" not in name else name.split("-", 1)[1] for name in names]
        self._label_ids = numpy.array(
            [self.labels.index(label) for label in self.labels], dtype=numpy.int64
        )
        self._kinds = [self._types == kind for kind in range(NEVER + 1)]

    @staticmethod
    def supports(component: Any) -> bool:
        """Whether ``component`` is an NER whose model this decoder reproduces."""
        model = getattr(component, "model", None)
        if getattr(component, "cfg", {}).get("beam_width", 1) != 1 or model is None:
            return False
        if type(component).__name__ != "EntityRecognizer" or len(model.layers) != 3:
            return False
        lower = model.layers[1]
        return bool(
            model.attrs.get("has_upper")
            and lower.name == "precomputable_affine"
            and lower.get_dim("nF") == _FEATURES
            and lower.get_dim("nP") >= 2
        )

    @staticmethod
    def _type(name: str) -> int:
        if name == "O":
            return OUT
        prefix, _, label = name.partition("-")
        return _PREFIXES.get(prefix, NEVER) if label else NEVER

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Set ``doc.ents`` on each doc (its ``doc.tensor`` from ``tok2vec`` already set)."""
        for doc, found in self.pipe_spans(docs, batch_size):
            doc.set_ents([Span(doc, start, end, label=label) for start, end, label in found])
            yield doc

    def pipe_spans(
        self, docs: Iterable[Doc], batch_size: int = 256
    ) -> Iterator[tuple[Doc, list[tuple[int, int, str]]]]:
        """Each doc with its entities as (start token, end token, label), ents left unset."""
        for batch in doc_batches(docs, batch_size):
            yield from self._spans(batch)

    def pipe_encoded(
        self, docs: Iterable[Doc], encoder: CachedTok2Vec, batch_size: int = 256
    ) -> Iterator[tuple[Doc, list[tuple[int, int, str]]]]:
        """As :meth:`pipe_spans` on docs without ``doc.tensor``: ``encoder`` (the pipeline's
        tok2vec) encodes each batch and the lower layer runs once per distinct token vector."""
        for batch in doc_batches(docs, batch_size):
            empty = not any(len(doc) for doc in batch)
            yield from self._spans(batch, None if empty else encoder.encode(batch))

    @property
    def takes_encoded(self) -> bool:
        """Whether :meth:`pipe_encoded` applies to this model."""
        return self._linear is not None

    def _spans(
        self, docs: list[Doc], encoded: _Encoded | None = None
    ) -> Iterator[tuple[Doc, list[tuple[int, int, str]]]]:
        for doc, found in zip(docs, self.predict(docs, encoded), strict=True):
            yield doc, [(start, end, self.labels[label]) for start, end, label in found]

    def predict(
        self, docs: Sequence[Doc], encoded: _Encoded | None = None
    ) -> list[list[tuple[int, int, int]]]:
        """(start, end, label index) token spans per doc, as spaCy's greedy parse finds them;
        ``encoded`` is ``CachedTok2Vec.encode(docs)``, else ``doc.tensor`` is read."""
        layout = self._layout(docs)
        if not layout.lengths.any():
            return [[] for _ in docs]
        return self._decode(layout, self._features(docs, encoded))

    def predict_arrays(
        self,
        lengths: NDArray[numpy.int64],
        space: NDArray[numpy.bool_],
        sent_start: NDArray[numpy.bool_],
        encoded: _Encoded | None,
    ) -> list[list[tuple[int, int, int]]]:
        """As :meth:`predict` from the docs' arrays: their lengths, ``IS_SPACE`` and
        ``SENT_START == 1`` per token (docs one after the other) and the encoder's output
        (``CachedTok2Vec.encode_features``; None when no doc has a token)."""
        if encoded is None or not lengths.any():
            return [[] for _ in lengths.tolist()]
        assert self._linear is not None, "predict_arrays needs takes_encoded"
        end = numpy.zeros(1, dtype=bool)
        layout = _Batch(
            self._offsets(lengths), lengths, numpy.concatenate([space, end]),
            numpy.concatenate([sent_start, end]),
        )  # fmt: skip
        return self._decode(layout, self._features((), encoded))

    def _decode(self, layout: _Batch, cached: _Features) -> list[list[tuple[int, int, int]]]:
        count = len(layout.lengths)
        found: list[list[tuple[int, int, int]]] = [[] for _ in range(count)]
        position = numpy.zeros(count, dtype=numpy.int64)
        open_start = numpy.full(count, -1, dtype=numpy.int64)
        open_label = numpy.full(count, -1, dtype=numpy.int64)
        active = numpy.flatnonzero(layout.lengths > 0)
        while active.size:
            scores = self._scores(cached, layout, active, position, open_start)
            valid = self._valid(layout, active, position, open_start, open_label)
            scores[~valid] = -numpy.inf
            guess = scores.argmax(axis=1)
            stuck = ~valid.any(axis=1)
            if stuck.any():  # no valid action: spaCy forces the state final
                done = active[stuck]
                position[done], open_start[done] = layout.lengths[done], -1
            moving = active[~stuck]
            self._apply(guess[~stuck], moving, position, open_start, open_label, found)
            active = active[position[active] < layout.lengths[active]]
        return found

    def _features(self, docs: Sequence[Doc], encoded: _Encoded | None) -> _Features:
        """The lower layer's output per distinct token vector (row 0: its padding row), and the
        row of each token of the batch in it (after the padding row)."""
        if encoded is None or self._linear is None:
            inputs = self._tok2vec.predict(list(docs))
            features: NDArray[numpy.float32] = self._lower.predict(inputs)
            return features, numpy.arange(len(features), dtype=numpy.int64)
        rows, table = encoded
        distinct = self._lower.predict(self._linear.predict(table))  # padding row first
        # Indexed per step rather than gathered per token: a token row is 1.5 kB.
        return distinct, numpy.concatenate([[0], rows + 1])

    @staticmethod
    def _offsets(lengths: NDArray[numpy.int64]) -> NDArray[numpy.int64]:
        offsets = numpy.zeros(len(lengths), dtype=numpy.int64)
        numpy.cumsum(lengths[:-1], out=offsets[1:])
        return offsets

    @staticmethod
    def _layout(docs: Sequence[Doc]) -> _Batch:
        lengths = numpy.array([len(doc) for doc in docs], dtype=numpy.int64)
        offsets = GreedyNer._offsets(lengths)
        arrays = [doc.to_array([IS_SPACE, SENT_START]) for doc in docs if len(doc)]
        flags = numpy.concatenate(arrays) if arrays else numpy.zeros((0, 2), dtype=numpy.int64)
        # One extra row, so that "the token after the last one" reads as a plain token.
        flags = numpy.vstack([flags, numpy.zeros((1, 2), dtype=flags.dtype)])
        return _Batch(offsets, lengths, flags[:, 0] != 0, flags[:, 1] == 1)

    def _scores(
        self,
        cached: _Features,
        layout: _Batch,
        active: NDArray[numpy.int64],
        position: NDArray[numpy.int64],
        open_start: NDArray[numpy.int64],
    ) -> NDArray[numpy.float32]:
        """Action scores of the active states (row 0 of ``cached``'s table is the padding row)."""
        token = layout.offsets[active] + position[active]
        opened = open_start[active] >= 0
        first = numpy.where(opened, layout.offsets[active] + open_start[active] + 1, 0)
        before = numpy.where(opened, token, 0)  # (token - 1) + 1 for the padding row
        table, rows = cached
        # Summed in spaCy's order (features 0, 1, 2, then the bias), so values agree exactly.
        hidden = table[rows[token + 1], 0] + table[rows[first], 1]
        hidden += table[rows[before], 2]
        hidden += self._bias
        pieces = hidden[..., 0]
        for piece in range(1, hidden.shape[2]):
            pieces = numpy.maximum(pieces, hidden[..., piece])
        scores: NDArray[numpy.float32] = pieces @ self._weights.T
        scores += self._upper_bias
        if self._unseen:
            scores[:, self._unseen] = scores.min()
        return scores

    def _valid(
        self,
        layout: _Batch,
        active: NDArray[numpy.int64],
        position: NDArray[numpy.int64],
        open_start: NDArray[numpy.int64],
        open_label: NDArray[numpy.int64],
    ) -> NDArray[numpy.bool_]:
        """The BILUO validity rules of spaCy's NER for documents without preset entities."""
        token = layout.offsets[active] + position[active]
        opened = open_start[active] >= 0
        closed = ~opened
        has_next = position[active] + 1 < layout.lengths[active]
        next_ok = has_next & ~layout.sent_start[token + 1]
        space = layout.space[token]
        same_label = open_label[active][:, None] == self._label_ids[None, :]
        kinds = self._kinds
        valid: NDArray[numpy.bool_] = (closed & next_ok & ~space)[:, None] & kinds[BEGIN]
        valid |= (closed & ~space)[:, None] & kinds[UNIT]
        valid |= closed[:, None] & kinds[OUT]
        valid |= same_label & (((opened & next_ok)[:, None] & kinds[IN]) | kinds[LAST])
        return valid

    def _apply(
        self,
        guess: NDArray[numpy.int64],
        active: NDArray[numpy.int64],
        position: NDArray[numpy.int64],
        open_start: NDArray[numpy.int64],
        open_label: NDArray[numpy.int64],
        found: list[list[tuple[int, int, int]]],
    ) -> None:
        kinds = self._types[guess]
        labels = self._label_ids[guess]
        begin = kinds == BEGIN
        open_start[active[begin]] = position[active[begin]]
        open_label[active[begin]] = labels[begin]
        for row in numpy.flatnonzero((kinds == LAST) | (kinds == UNIT)).tolist():
            doc = int(active[row])
            here = int(position[doc])
            start = here if kinds[row] == UNIT else int(open_start[doc])
            found[doc].append((start, here + 1, int(labels[row])))
            open_start[doc] = -1
        position[active] += 1
