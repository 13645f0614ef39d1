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
END = "</s>"


class CharBigramFeatures:
    """Sets ``token.lemma_`` to the token text joined with the next token's text."""

    def __init__(self, name: str, end_marker: str) -> None:
        self.name = name
        self.end_marker = end_marker

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        # Through the attribute arrays: no Token objects are created (the cost on short texts).
        strings = doc.vocab.strings
        texts = [strings[orth] for orth in doc.to_array(ORTH).tolist()]
        following = [*texts[1:], self.end_marker]
        lemmas = [strings.add(text + after) for text, after in zip(texts, following, strict=True)]
        array: Any = numpy.asarray(lemmas, dtype="uint64").reshape(-1, 1)
        doc.from_array([LEMMA], array)
        return doc


@Language.factory(FACTORY, default_config={"end_marker": END})
def make_char_bigrams(nlp: Language, name: str, end_marker: str) -> CharBigramFeatures:
    """spaCy factory of :class:`CharBigramFeatures`."""
    return CharBigramFeatures(name, end_marker)
