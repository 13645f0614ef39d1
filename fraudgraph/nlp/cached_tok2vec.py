"""spaCy's ``tok2vec`` component computed once per distinct token context.

``spacy.Tok2Vec.v2`` with ``MultiHashEmbed`` and ``MaxoutWindowEncoder`` first embeds each token
on its own (hashed rows of its attributes, a maxout layer, layer norm), then runs residual CNN
blocks that each look one token left and right. So a token's embedding depends on its
attribute values only, and its output after block ``d`` on the previous block's outputs at
three positions only. Bank texts repeat a lot (the same characters, template phrases, company
names), so this class computes each distinct embedding once and, in every block, each
distinct (left, centre, right) triple of the previous level's vectors once, all remembered
across batches (a stable id per distinct vector at every level), then gathers the results for
all tokens. The layout (documents separated by zero padding rows, as thinc's
``with_array`` lays them out) and the layers are the loaded model's own; results agree with
``Tok2Vec.predict`` up to float32 rounding of the matrix products.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy
from spacy.tokens import Doc

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Distinct vectors remembered per level (embeddings, then each block's outputs), each a row of
#: ``width`` float32: at most about 77 MB a level for a width of 96.
CACHE_ROWS = 200_000
#: A batch is cut at this many tokens whatever its size in docs (bounds the work arrays).
MAX_BATCH_TOKENS = 65_536
#: Ids of one level stay below this, so that a (left, centre, right) triple of them packs into
#: one int64 key.
_KEY_BASE = 1 << 21
_EMBED_LAYERS = ("extract_features", "list2ragged", "with_array", "with_array", "ragged2list")
_SizedT = TypeVar("_SizedT", bound=Sized)


class CachedTok2Vec:
    """Sets ``doc.tensor`` like the ``tok2vec`` component, with cached token embeddings."""

    def __init__(self, component: Any, rows: int = CACHE_ROWS) -> None:
        embed, encode = component.model.layers
        self._extract, _, self._hash, self._mix, _ = embed.layers
        self._pad = int(encode.attrs["pad"])
        # with_array(chain(residual(chain(expand_window, maxout>>layernorm>>dropout)), ...))
        self._blocks = [residual.layers[0].layers[1] for residual in encode.layers[0].layers]
        self._width = int(component.model.get_dim("nO"))
        if rows >= _KEY_BASE // 4:
            raise ValueError(f"at most {_KEY_BASE // 4 - 1} cached rows per level, not {rows}")
        self._limit = rows
        # Level 0: attribute row -> embedding id; level d: (left, centre, right) ids of level
        # d - 1 -> id of the block's output. Id 0 of every level is the zero vector (outside
        # the batch, and the padding rows of level 0); ``_tables[d]`` holds the vectors.
        self._index: dict[tuple[int, ...], int] = {}
        self._windows: list[dict[int, int]] = [{} for _ in self._blocks]
        self._tables: list[NDArray[numpy.float32]] = []
        self._sizes: list[int] = []
        self._clear()

    def _clear(self) -> None:
        """Forget every cached vector (each level keeps its zero row 0)."""
        self._index.clear()
        for windows in self._windows:
            windows.clear()
        self._tables = [
            numpy.zeros((1, self._width), dtype=numpy.float32) for _ in range(len(self._blocks) + 1)
        ]
        self._sizes = [1] * len(self._tables)

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
        return self.encode_features(numpy.concatenate(self._extract.predict(docs)), lengths)

    @property
    def columns(self) -> list[str]:
        """The token attributes the model reads (the columns of ``encode_features``' input)."""
        return [str(column) for column in self._extract.attrs["columns"]]

    def encode_features(
        self, features: NDArray[numpy.uint64], lengths: NDArray[numpy.int64]
    ) -> tuple[NDArray[numpy.int64], NDArray[numpy.float32]]:
        """As :meth:`encode`, from the attribute values the docs hold (``doc.to_array`` of
        :attr:`columns`, docs one after the other) and the docs' lengths."""
        positions = self._positions(lengths)
        size = int(positions[-1]) + 1 + self._pad
        if size >= _KEY_BASE // 2:
            raise ValueError(f"a batch of {size} rows is too large: cut it with doc_batches")
        if max(self._sizes) + size > self._limit:
            self._clear()  # bounded: start afresh, the batch's vectors are computed anew
        flat = numpy.zeros(size, dtype=numpy.int64)
        flat[positions] = self._embed(features)
        last = len(self._blocks) - 1
        for depth, block in enumerate(self._blocks):
            # The last block's output is read at the tokens only, not at the padding rows.
            flat = self._block(depth, block, flat, positions if depth == last else None)
        used, rows = numpy.unique(flat, return_inverse=True)
        return rows.reshape(-1), self._tables[-1][used]

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

    def _block(
        self, depth: int, block: Any, flat: NDArray[numpy.int64], at: NDArray[numpy.int64] | None
    ) -> NDArray[numpy.int64]:
        """Ids of block ``depth``'s outputs at every row of the batch (at rows ``at`` only, if
        given): each (left, centre, right) triple of input ids not met before is computed once
        and remembered."""
        left = numpy.concatenate([[0], flat[:-1]])  # id 0: the zero vector seq2col uses
        right = numpy.concatenate([flat[1:], [0]])  # beyond the ends of the batch
        if at is not None:
            left, flat, right = left[at], flat[at], right[at]
        unique, inverse = numpy.unique(
            (left * _KEY_BASE + flat) * _KEY_BASE + right, return_inverse=True
        )
        windows = self._windows[depth]
        ids = numpy.fromiter(
            (windows.get(key, -1) for key in unique.tolist()), dtype=numpy.int64, count=len(unique)
        )
        missing = numpy.flatnonzero(ids < 0)
        if missing.size:
            keys = unique[missing]
            table = self._tables[depth]
            centre = table[(keys // _KEY_BASE) % _KEY_BASE]
            inputs = numpy.concatenate(
                [table[keys // (_KEY_BASE * _KEY_BASE)], centre, table[keys % _KEY_BASE]], axis=1
            )
            fresh = self._append(depth + 1, centre + block.predict(inputs))
            ids[missing] = fresh
            windows.update(zip(keys.tolist(), fresh.tolist(), strict=True))
        found: NDArray[numpy.int64] = ids[inverse.reshape(-1)]
        return found

    def _embed(self, ids: NDArray[numpy.uint64]) -> NDArray[numpy.int64]:
        """Level-0 id of each row of attribute values ``ids``: each distinct attribute row is
        embedded once, ever."""
        unique, inverse = self._unique_rows(ids)
        keys = list(map(tuple, unique.tolist()))
        rows = numpy.fromiter(
            (self._index.get(key, -1) for key in keys), dtype=numpy.int64, count=len(keys)
        )
        missing = numpy.flatnonzero(rows < 0)
        if missing.size:
            fresh = self._append(0, self._mix.predict(self._hash.predict(unique[missing])))
            rows[missing] = fresh
            new = [keys[i] for i in missing.tolist()]
            self._index.update(zip(new, fresh.tolist(), strict=True))
        found: NDArray[numpy.int64] = rows[inverse]
        return found

    def _append(self, level: int, vectors: NDArray[numpy.float32]) -> NDArray[numpy.int64]:
        """Store ``vectors`` in the table of ``level`` (doubling it when full); their ids."""
        start = self._sizes[level]
        end = start + len(vectors)
        table = self._tables[level]
        if end > len(table):
            capacity = max(end, min(2 * len(table), self._limit + 1))  # no doubling past limit
            grown = numpy.zeros((capacity, self._width), dtype=numpy.float32)
            grown[:start] = table[:start]
            self._tables[level] = table = grown
        table[start:end] = vectors
        self._sizes[level] = end
        return numpy.arange(start, end, dtype=numpy.int64)

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


def doc_batches(docs: Iterable[Doc], batch_size: int) -> Iterator[list[Doc]]:
    """Consecutive batches of at most ``batch_size`` docs and about ``MAX_BATCH_TOKENS`` tokens."""
    return _sized_batches(docs, batch_size)


def text_batches(texts: list[str], batch_size: int) -> Iterator[list[str]]:
    """Consecutive batches of at most ``batch_size`` texts and about ``MAX_BATCH_TOKENS``
    characters (a character-segmented text has at most one token per character)."""
    return _sized_batches(texts, batch_size)


def _sized_batches(items: Iterable[_SizedT], batch_size: int) -> Iterator[list[_SizedT]]:
    """Cut ``items`` when a batch holds ``batch_size`` of them or ``MAX_BATCH_TOKENS`` of their
    summed ``len`` (tokens of a Doc, characters of a text)."""
    batch: list[_SizedT] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item)
        if len(batch) >= batch_size or size >= MAX_BATCH_TOKENS:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
