"""spaCy's ``tok2vec`` component computed once per distinct token context.

``spacy.Tok2Vec.v2`` with ``MultiHashEmbed`` and ``MaxoutWindowEncoder`` first embeds each token
on its own (hashed rows of its attributes, a maxout layer, layer norm), then runs residual CNN
blocks that each look one token left and right. So a token's embedding depends on its
attribute values only, and its output after block ``d`` on the previous block's outputs at
three positions only. Bank texts repeat a lot (the same characters, template phrases, company
names), so this class computes each distinct embedding once (remembered across batches) and,
in every block, each distinct (left, centre, right) triple once per batch, then gathers the
results for all tokens. The layout (documents separated by zero padding rows, as thinc's
``with_array`` lays them out) and the layers are the loaded model's own; results agree with
``Tok2Vec.predict`` up to float32 rounding of the matrix products.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

import numpy
from spacy.tokens import Doc

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Distinct token attribute tuples remembered (each a row of ``width`` float32).
CACHE_ROWS = 200_000
#: A batch is cut at this many tokens whatever its size in docs (bounds the work arrays).
MAX_BATCH_TOKENS = 65_536
_EMBED_LAYERS = ("extract_features", "list2ragged", "with_array", "with_array", "ragged2list")


class CachedTok2Vec:
    """Sets ``doc.tensor`` like the ``tok2vec`` component, with cached token embeddings."""

    def __init__(self, component: Any, rows: int = CACHE_ROWS) -> None:
        embed, encode = component.model.layers
        self._extract, _, self._hash, self._mix, _ = embed.layers
        self._pad = int(encode.attrs["pad"])
        # with_array(chain(residual(chain(expand_window, maxout>>layernorm>>dropout)), ...))
        self._blocks = [residual.layers[0].layers[1] for residual in encode.layers[0].layers]
        self._width = int(component.model.get_dim("nO"))
        self._limit = rows
        self._index: dict[tuple[int, ...], int] = {}
        self._table: NDArray[numpy.float32] = numpy.zeros((0, self._width), dtype=numpy.float32)

    @staticmethod
    def supports(component: Any) -> bool:
        """Whether ``component`` is a tok2vec of the shape this class reproduces."""
        model = getattr(component, "model", None)
        if type(component).__name__ != "Tok2Vec" or model is None or len(model.layers) != 2:
            return False
        embed, encode = model.layers
        names = tuple(layer.name.split("(")[0] for layer in embed.layers)
        if names != _EMBED_LAYERS or not encode.name.startswith("with_array(residual("):
            return False
        blocks = encode.layers[0].layers
        return all(
            block.name.startswith("residual(expand_window>>maxout")
            and block.layers[0].layers[0].attrs.get("window_size") == 1
            for block in blocks
        )

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Each doc with ``doc.tensor`` set, in batches of ``batch_size``."""
        for batch in doc_batches(docs, batch_size):
            yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        for doc, tensor in zip(docs, self.predict(docs), strict=True):
            doc.tensor = cast(Any, tensor)  # spaCy types doc.tensor as float64
        return docs

    def predict(self, docs: list[Doc]) -> list[NDArray[numpy.float32]]:
        """One (tokens x width) array per doc, as ``Tok2Vec.predict`` computes it."""
        lengths = numpy.array([len(doc) for doc in docs], dtype=numpy.int64)
        if not lengths.any():
            return [numpy.zeros((0, self._width), dtype=numpy.float32) for _ in docs]
        rows, table = self.encode(docs)
        split: list[NDArray[numpy.float32]] = numpy.split(table[rows], numpy.cumsum(lengths[:-1]))
        return split

    def encode(self, docs: list[Doc]) -> tuple[NDArray[numpy.int64], NDArray[numpy.float32]]:
        """(row of each token, docs one after the other; table of the distinct output vectors):
        ``table[rows]`` are the tokens' vectors. The docs must hold at least one token."""
        lengths = numpy.array([len(doc) for doc in docs], dtype=numpy.int64)
        ids, table = self._embed(numpy.concatenate(self._extract.predict(docs)))
        positions = self._positions(lengths)
        flat = numpy.zeros(int(positions[-1]) + 1 + self._pad, dtype=numpy.int64)
        flat[positions] = ids  # padding rows keep id 0: the zero vector
        for block in self._blocks:
            flat, table = self._block(block, flat, table)
        return flat[positions], table

    def _positions(self, lengths: NDArray[numpy.int64]) -> NDArray[numpy.int64]:
        """Rows of the tokens in the flattened batch: ``pad`` zero rows before each non-empty
        doc and after the last one (thinc's ``Ops.flatten``)."""
        nonempty = lengths[lengths > 0]
        before = numpy.concatenate([[0], numpy.cumsum(nonempty[:-1])])  # tokens of earlier docs
        starts = self._pad * numpy.arange(1, len(nonempty) + 1) + before
        token_doc = numpy.repeat(numpy.arange(len(nonempty)), nonempty)
        within = numpy.arange(int(nonempty.sum())) - before[token_doc]
        positions: NDArray[numpy.int64] = starts[token_doc] + within
        return positions

    @staticmethod
    def _block(
        block: Any, flat: NDArray[numpy.int64], table: NDArray[numpy.float32]
    ) -> tuple[NDArray[numpy.int64], NDArray[numpy.float32]]:
        """One residual window block on each distinct (left, centre, right) triple of ids."""
        size = len(table) + 1  # ids shifted by one: 0 stands for "outside the batch"
        left = numpy.concatenate([[-1], flat[:-1]]) + 1
        right = numpy.concatenate([flat[1:], [-1]]) + 1
        keys = (left * size + flat + 1) * size + right
        unique, inverse = numpy.unique(keys, return_inverse=True)
        # Row -1 of ``padded`` is the zero vector seq2col uses beyond the ends of the batch.
        padded = numpy.concatenate([table, numpy.zeros((1, table.shape[1]), table.dtype)])
        centre = padded[(unique // size) % size - 1]
        windows = numpy.concatenate(
            [padded[unique // (size * size) - 1], centre, padded[unique % size - 1]], axis=1
        )
        output: NDArray[numpy.float32] = centre + block.predict(windows)
        return inverse.reshape(-1), output

    def _embed(
        self, ids: NDArray[numpy.uint64]
    ) -> tuple[NDArray[numpy.int64], NDArray[numpy.float32]]:
        """(row per token, table) of the embeddings of attribute rows ``ids``; row 0 of the
        table is the zero vector. Each distinct attribute row is embedded once, ever."""
        unique, inverse = self._unique_rows(ids)
        rows = numpy.empty(len(unique), dtype=numpy.int64)
        missing: list[int] = []
        for position, key in enumerate(map(tuple, unique.tolist())):
            row = self._index.get(key, -1)
            rows[position] = row
            if row < 0:
                missing.append(position)
        if missing:
            if len(self._index) + len(missing) > self._limit:
                self._index.clear()  # bounded: start afresh, the batch's rows are recomputed
                missing = list(range(len(unique)))
            fresh = self._mix.predict(self._hash.predict(unique[missing]))
            start = len(self._index)
            self._reserve(start + len(missing))
            self._table[start : start + len(missing)] = fresh
            for offset, position in enumerate(missing):
                rows[position] = start + offset
                self._index[tuple(unique[position].tolist())] = start + offset
        zero = numpy.zeros((1, self._width), dtype=numpy.float32)
        return inverse.reshape(-1) + 1, numpy.concatenate([zero, self._table[rows]])

    @staticmethod
    def _unique_rows(
        ids: NDArray[numpy.uint64],
    ) -> tuple[NDArray[numpy.uint64], NDArray[numpy.int64]]:
        """``numpy.unique(ids, axis=0, return_inverse=True)``, several times faster: each column
        is ranked on its own (a fast 1-D sort) and the ranks folded into one small integer key
        per row, column by column, re-ranked after each so the key stays below rows squared.
        Ranks keep the order of the values, so the unique rows come out in the same (sorted)
        order."""
        key = numpy.zeros(len(ids), dtype=numpy.int64)
        count = 1
        for column in ids.T:
            values, rank = numpy.unique(column, return_inverse=True)
            combined, key = numpy.unique(key * len(values) + rank.reshape(-1), return_inverse=True)
            key, count = key.reshape(-1), len(combined)
        first = numpy.empty(count, dtype=numpy.int64)
        first[key] = numpy.arange(len(key))  # a row of each key (all of them are equal)
        return ids[first], key

    def _reserve(self, size: int) -> None:
        """Grow the table (doubling) to hold at least ``size`` rows."""
        if size <= len(self._table):
            return
        table = numpy.zeros((max(size, 2 * len(self._table)), self._width), dtype=numpy.float32)
        table[: len(self._table)] = self._table
        self._table = table


def doc_batches(docs: Iterable[Doc], batch_size: int) -> Iterator[list[Doc]]:
    """Consecutive batches of at most ``batch_size`` docs and about ``MAX_BATCH_TOKENS`` tokens."""
    batch: list[Doc] = []
    tokens = 0
    for doc in docs:
        batch.append(doc)
        tokens += len(doc)
        if len(batch) >= batch_size or tokens >= MAX_BATCH_TOKENS:
            yield batch
            batch, tokens = [], 0
    if batch:
        yield batch
