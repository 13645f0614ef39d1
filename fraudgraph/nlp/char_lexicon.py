"""A spaCy component giving character tokens the words of a lexicon learnt from training data.

A cheap cousin of lattice / SoftLexicon features: for every character, the longest lexicon word
that starts there is written into ``token.norm_`` (``"B:有限公司"``) and the longest one that ends
there into ``token.tag_`` (``"E:有限公司"``), so ``MultiHashEmbed`` can embed them like ORTH.

The lexicon is built by :meth:`CharLexiconFeatures.initialize` from the TRAINING examples only
(no external dictionary): gold entity strings seen at least ``entity_min_count`` times (so the
training text, like unseen text, also has entities the lexicon lacks) plus character n-grams
seen at least ``ngram_min_count`` times. It is saved with the model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import NORM, ORTH, TAG
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

FACTORY = "fraudgraph_char_lexicon"
NONE = "-"
_FILE = "lexicon.json"


class CharLexiconFeatures:
    """Writes the longest lexicon word starting (NORM) and ending (TAG) at each character."""

    def __init__(
        self,
        name: str,
        *,
        max_length: int,
        entity_min_count: int,
        ngram_min_count: int,
        ngram_max_length: int,
    ) -> None:
        self.name = name
        self.max_length = max_length
        self.entity_min_count = entity_min_count
        self.ngram_min_count = ngram_min_count
        self.ngram_max_length = ngram_max_length
        self._words: frozenset[str] = frozenset()
        self._lengths: dict[str, tuple[int, ...]] = {}

    @property
    def words(self) -> frozenset[str]:
        """The lexicon."""
        return self._words

    @words.setter
    def words(self, words: frozenset[str]) -> None:
        # Per first character, the lengths (longest first) of its words: few lookups per token.
        lengths: dict[str, set[int]] = {}
        for word in words:
            if 1 < len(word) <= self.max_length:
                lengths.setdefault(word[0], set()).add(len(word))
        self._words = words
        self._lengths = {
            char: tuple(sorted(sizes, reverse=True)) for char, sizes in lengths.items()
        }

    def initialize(
        self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language | None = None
    ) -> None:
        """Build the lexicon from the gold entities and frequent n-grams of the training data."""
        texts: list[str] = []
        entities: list[str] = []
        for example in get_examples():
            texts.append(example.reference.text)
            entities.extend(span.text for span in example.reference.ents)
        self.words = self.build(texts, entities)

    def build(self, texts: Sequence[str], entities: Sequence[str]) -> frozenset[str]:
        """The lexicon of ``texts`` and their gold ``entities`` (see the module docstring)."""
        words = {
            word
            for word, count in Counter(entities).items()
            if count >= self.entity_min_count and 1 < len(word) <= self.max_length
        }
        grams: Counter[str] = Counter(
            text[start : start + size]
            for text in texts
            for size in range(2, self.ngram_max_length + 1)
            for start in range(len(text) - size + 1)
        )
        words.update(gram for gram, count in grams.items() if count >= self.ngram_min_count)
        return frozenset(word for word in words if not word.isspace())

    def features(self, chars: Sequence[str]) -> tuple[list[str], list[str]]:
        """(longest word starting at, longest word ending at) each character, ``-`` if none."""
        starts = [NONE] * len(chars)
        ends = [NONE] * len(chars)
        ends_len = [0] * len(chars)
        text = "".join(chars)
        # Characters are single tokens for Chinese; longer tokens (Latin runs) keep offsets right.
        offsets = list(range(len(text))) if len(text) == len(chars) else self._offsets(chars)
        index = {offset: i for i, offset in enumerate(offsets)}
        for i, begin in enumerate(offsets):
            for size in self._lengths.get(text[begin], ()):
                word = text[begin : begin + size]
                if len(word) < size or word not in self._words:
                    continue
                if starts[i] == NONE:
                    starts[i] = "B:" + word
                last = index.get(begin + size - 1)
                if last is not None and size > ends_len[last]:
                    ends[last], ends_len[last] = "E:" + word, size
        return starts, ends

    @staticmethod
    def _offsets(chars: Sequence[str]) -> list[int]:
        """Start offset of each token in the joined text."""
        offsets: list[int] = []
        position = 0
        for char in chars:
            offsets.append(position)
            position += len(char)
        return offsets

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        strings = doc.vocab.strings
        chars = [strings[orth] for orth in doc.to_array(ORTH).tolist()]
        starts, ends = self.features(chars)
        rows = [(strings.add(s), strings.add(e)) for s, e in zip(starts, ends, strict=True)]
        array: Any = numpy.asarray(rows, dtype="uint64").reshape(-1, 2)
        doc.from_array([NORM, TAG], array)
        return doc

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The sorted lexicon as UTF-8 JSON."""
        return json.dumps(sorted(self.words), ensure_ascii=False).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> CharLexiconFeatures:
        """Load a lexicon written by :meth:`to_bytes`."""
        self.words = frozenset(json.loads(data.decode("utf-8")))
        return self

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the lexicon under the component's directory."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / _FILE).write_bytes(self.to_bytes())

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> CharLexiconFeatures:
        """Load the lexicon saved by :meth:`to_disk`."""
        return self.from_bytes((Path(path) / _FILE).read_bytes())


@Language.factory(
    FACTORY,
    default_config={
        "max_length": 10,
        "entity_min_count": 2,
        "ngram_min_count": 10,
        "ngram_max_length": 4,
    },
)
def make_char_lexicon(
    nlp: Language,
    name: str,
    max_length: int,
    entity_min_count: int,
    ngram_min_count: int,
    ngram_max_length: int,
) -> CharLexiconFeatures:
    """spaCy factory of :class:`CharLexiconFeatures`."""
    return CharLexiconFeatures(
        name,
        max_length=max_length,
        entity_min_count=entity_min_count,
        ngram_min_count=ngram_min_count,
        ngram_max_length=ngram_max_length,
    )
