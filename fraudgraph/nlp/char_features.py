"""A spaCy component giving character-segmented Chinese a word-like feature.

``spacy.blank("zh")`` makes every character a token, so prefix/suffix/shape features say almost
nothing. Writing the character bigram (this character + the next) into ``token.lemma_`` lets
``MultiHashEmbed`` hash it like any other attribute: the cheap half of a lattice/word lexicon.
"""

from __future__ import annotations

from typing import Any

import numpy
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.tokens import Doc

# Importing this module registers every character-feature factory the configs name.
from fraudgraph.nlp import char_lexicon  # noqa: F401

FACTORY = "fraudgraph_char_bigrams"
#: Bound of the (token, next token) -> bigram memo.
CACHE_PAIRS = 1_000_000
END = "</s>"


class CharBigramFeatures:
    """Sets ``token.lemma_`` to the token text joined with the next token's text."""

    def __init__(self, name: str, end_marker: str) -> None:
        self.name = name
        self.end_marker = end_marker
        # (token, next token) ORTH ids -> bigram id: bank texts reuse few character pairs.
        self._bigrams: dict[tuple[int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        # Through the attribute arrays: no Token objects are created (the cost on short texts).
        orths = doc.to_array(ORTH).tolist()
        pairs = list(zip(orths, [*orths[1:], 0], strict=True))
        known = self._bigrams
        if len(known) > CACHE_PAIRS:
            known.clear()
        lemmas = [known.get(pair) or self._bigram(doc, pair) for pair in pairs]
        array: Any = numpy.asarray(lemmas, dtype="uint64").reshape(-1, 1)
        doc.from_array([LEMMA], array)
        return doc

    def _bigram(self, doc: Doc, pair: tuple[int, int]) -> int:
        """The string id of this token's text joined with the next one's (or the end marker);
        id 0 stands for "no next token" in ``pair``."""
        strings = doc.vocab.strings
        after = strings[pair[1]] if pair[1] else self.end_marker
        lemma: int = strings.add(strings[pair[0]] + after)
        self._bigrams[pair] = lemma
        return lemma


@Language.factory(FACTORY, default_config={"end_marker": END})
def make_char_bigrams(nlp: Language, name: str, end_marker: str) -> CharBigramFeatures:
    """spaCy factory of :class:`CharBigramFeatures`."""
    return CharBigramFeatures(name, end_marker)
