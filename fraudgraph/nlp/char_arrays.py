"""The token arrays of character-segmented Chinese Docs, computed for a batch without Docs.

The fast NER path (:class:`CachedTok2Vec` + :class:`GreedyNer`) reads a Doc only through
arrays: the encoder's feature columns (``ORTH``, ``LEMMA`` set to the character bigram by
:class:`CharBigramFeatures`, ``SHAPE``...), ``IS_SPACE`` and ``SENT_START`` for the decoder, and
each token's character offset and length for the mentions. For a pipeline made of the "char"
segmenter (:class:`CharTokens`' rule), the bigram component, ``tok2vec`` and ``ner``, this
class computes those arrays for a whole batch of texts at once, instead of building a Doc per
text and filling it token by token. Values come from the same vocabulary (lexemes and string
ids) as the Docs', so they are equal; the tests compare the two.

Most texts hold no whitespace other than single spaces after a character: every character is
then a token, and the batch is processed as one array of code points. The other texts (runs of
spaces, newlines, leading spaces) take a per-token loop over the tokenizer's rule.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy

from fraudgraph.nlp.char_features import CharBigramFeatures

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from spacy.language import Language

# CharTokens' rule: a character with its optional single trailing space, or a run of other
# whitespace (``\s`` is ``str.isspace``).
_TOKEN = re.compile(r"(\S)( ?)|(\s+)")
# Whitespace that makes a token of its own: at the start, after whitespace, or not a plain space.
_SPACE_TOKEN = re.compile(r"^\s|\s\s|[^\S ]")
_SPACE = 32
#: Columns whose value is a property of the token's lexeme, read from the vocabulary.
_LEXEME_COLUMNS = {"ORTH": "orth", "LOWER": "lower", "SHAPE": "shape"}
_BIGRAM_COLUMN = "LEMMA"
#: Bounds of the memos (distinct tokens, distinct token pairs).
CACHE_TOKENS = 100_000
CACHE_PAIRS = 1_000_000
_PAIR_BASE = 1 << 21  # above every code point: a (code point, code point) pair in one int64


@dataclass(frozen=True, slots=True)
class CharBatch:
    """Token arrays of a batch of texts, tokens of all texts one after the other."""

    lengths: NDArray[numpy.int64]  # tokens per text
    features: NDArray[numpy.uint64]  # (tokens, columns): the encoder's input
    space: NDArray[numpy.bool_]  # IS_SPACE per token
    sent_start: NDArray[numpy.bool_]  # SENT_START == 1 per token (each text's first token)
    starts: list[int]  # character offset of each token in its text
    ends: list[int]  # character offset after each token


class CharArrays:
    """Computes :class:`CharBatch` arrays of texts as a char-segmented pipeline's Docs hold."""

    def __init__(self, nlp: Language, columns: Sequence[str]) -> None:
        self.vocab = nlp.vocab
        bigrams: Any = nlp.get_pipe("char_bigrams")
        self.end_marker: str = bigrams.end_marker
        self.columns = list(columns)
        # token text -> (its column values, bigram aside; is_space)
        self._tokens: dict[str, tuple[tuple[int, ...], bool]] = {}
        self._pairs: dict[tuple[str, str], int] = {}  # (token, next token or "") -> bigram id
        self._code_pairs: dict[int, int] = {}  # the same for single characters, by code point

    @staticmethod
    def supports(nlp: Language, columns: Sequence[str]) -> bool:
        """Whether the Docs of ``nlp`` before its ``tok2vec`` are what this class computes."""
        from fraudgraph.nlp.char_tokens import CharTokens

        names = [name for name in nlp.pipe_names if name != "fraudgraph_identifiers"]
        return (
            CharTokens.supports(nlp.tokenizer)
            and names == ["char_bigrams", "tok2vec", "ner"]
            and type(nlp.get_pipe("char_bigrams")) is CharBigramFeatures
            and all(column in _LEXEME_COLUMNS or column == _BIGRAM_COLUMN for column in columns)
        )

    def __call__(self, texts: Sequence[str]) -> CharBatch:
        """The arrays of ``texts``' Docs (texts in order)."""
        if len(self._tokens) > CACHE_TOKENS:
            self._tokens.clear()
        if len(self._pairs) > CACHE_PAIRS or len(self._code_pairs) > CACHE_PAIRS:
            self._pairs.clear()
            self._code_pairs.clear()
        plain = [not _SPACE_TOKEN.search(text) for text in texts]
        if all(plain):
            return self._simple(list(texts))
        simple = self._split(
            self._simple([text for text, ok in zip(texts, plain, strict=True) if ok])
        )
        others = (self._general(text) for text, ok in zip(texts, plain, strict=True) if not ok)
        parts = [next(simple) if ok else next(others) for ok in plain]
        lengths = [len(part[1]) for part in parts]
        return CharBatch(
            numpy.array(lengths, dtype=numpy.int64),
            numpy.concatenate([part[0] for part in parts]),
            numpy.concatenate([part[1] for part in parts]),
            self._first_tokens(numpy.array(lengths, dtype=numpy.int64)),
            [start for part in parts for start in part[2]],
            [end for part in parts for end in part[3]],
        )

    @staticmethod
    def _split(batch: CharBatch) -> Iterator[_Part]:
        """The parts of each text of ``batch``."""
        bounds = numpy.cumsum([0, *batch.lengths.tolist()]).tolist()
        for begin, end in itertools.pairwise(bounds):
            yield (
                batch.features[begin:end], batch.space[begin:end], batch.starts[begin:end],
                batch.ends[begin:end],
            )  # fmt: skip

    @staticmethod
    def _first_tokens(lengths: NDArray[numpy.int64]) -> NDArray[numpy.bool_]:
        flags = numpy.zeros(int(lengths.sum()), dtype=bool)
        starts = numpy.cumsum(lengths) - lengths
        flags[starts[lengths > 0]] = True
        return flags

    # ---- texts whose only whitespace is single spaces after a character ------------------
    def _simple(self, texts: list[str]) -> CharBatch:
        sizes = numpy.array([len(text) for text in texts], dtype=numpy.int64)
        codes = numpy.frombuffer("".join(texts).encode("utf-32-le"), dtype=numpy.uint32)
        token = codes != _SPACE
        owner = numpy.repeat(numpy.arange(len(texts)), sizes)[token]
        chars = codes[token].astype(numpy.int64)
        # The next token of the same text plus one; 0 (the end marker) after a text's last.
        following = numpy.zeros(len(chars), dtype=numpy.int64)
        same = owner[1:] == owner[:-1]
        following[:-1][same] = chars[1:][same] + 1
        text_start = numpy.cumsum(sizes) - sizes
        starts = (numpy.flatnonzero(token) - text_start[owner]).tolist()
        lengths = numpy.bincount(owner, minlength=len(texts)).astype(numpy.int64)
        return CharBatch(
            lengths,
            self._simple_features(chars, following),
            numpy.zeros(len(chars), dtype=bool),
            self._first_tokens(lengths),
            starts,
            [start + 1 for start in starts],
        )

    def _simple_features(
        self, chars: NDArray[numpy.int64], following: NDArray[numpy.int64]
    ) -> NDArray[numpy.uint64]:
        features = numpy.empty((len(chars), len(self.columns)), dtype=numpy.uint64)
        unique, inverse = numpy.unique(chars, return_inverse=True)
        width = len(self.columns) - self.columns.count(_BIGRAM_COLUMN)
        values = numpy.array(
            [self._token(chr(code))[0] for code in unique.tolist()], dtype=numpy.uint64
        ).reshape(len(unique), width)
        pairs, pair_inverse = numpy.unique(chars * _PAIR_BASE + following, return_inverse=True)
        known = self._code_pairs
        bigrams = numpy.array(
            [known.get(pair) or self._code_pair(pair) for pair in pairs.tolist()],
            dtype=numpy.uint64,
        )
        lexeme = 0
        for column_index, column in enumerate(self.columns):
            if column == _BIGRAM_COLUMN:
                features[:, column_index] = bigrams[pair_inverse.reshape(-1)]
            else:
                features[:, column_index] = values[inverse.reshape(-1), lexeme]
                lexeme += 1
        return features

    def _code_pair(self, pair: int) -> int:
        first, second = divmod(pair, _PAIR_BASE)
        value = self._bigram(chr(first), chr(second - 1) if second else "")
        self._code_pairs[pair] = value
        return value

    # ---- any other text: CharTokens' rule, token by token --------------------------------
    def _general(self, text: str) -> _Part:
        words: list[str] = []
        starts: list[int] = []
        position = 0
        for char, space, run in _TOKEN.findall(text):
            word = char or run
            words.append(word)
            starts.append(position)
            position += len(word) + len(space)
        rows = []
        spaces = []
        for index, word in enumerate(words):
            values, is_space = self._token(word)
            following = words[index + 1] if index + 1 < len(words) else ""
            bigram = self._pairs.get((word, following)) or self._bigram(word, following)
            rows.append(self._row(values, bigram))
            spaces.append(is_space)
        features = numpy.array(rows, dtype=numpy.uint64).reshape(len(words), len(self.columns))
        ends = [start + len(word) for start, word in zip(starts, words, strict=True)]
        return features, numpy.array(spaces, dtype=bool), starts, ends

    def _row(self, values: tuple[int, ...], bigram: int) -> list[int]:
        lexeme = iter(values)
        return [bigram if column == _BIGRAM_COLUMN else next(lexeme) for column in self.columns]

    # ---- memoised vocabulary reads --------------------------------------------------------
    def _token(self, word: str) -> tuple[tuple[int, ...], bool]:
        found = self._tokens.get(word)
        if found is None:
            lexeme = self.vocab[word]
            values = tuple(
                int(getattr(lexeme, _LEXEME_COLUMNS[column]))
                for column in self.columns
                if column != _BIGRAM_COLUMN
            )
            found = self._tokens[word] = (values, bool(lexeme.is_space))
        return found

    def _bigram(self, word: str, following: str) -> int:
        """The string id :class:`CharBigramFeatures` writes for ``word`` before ``following``
        ("" after the last token: the end marker)."""
        value: int = self.vocab.strings.add(word + (following or self.end_marker))
        self._pairs[(word, following)] = value
        return value


#: (feature rows, IS_SPACE flags, token starts, token ends) of one text.
_Part = tuple["NDArray[numpy.uint64]", "NDArray[numpy.bool_]", list[int], list[int]]
