"""A spaCy component giving character-segmented Chinese a word-like feature.

``spacy.blank("zh")`` makes every character a token, so prefix/suffix/shape features say almost
nothing. Writing the character bigram (this character + the next) into ``token.lemma_`` lets
``MultiHashEmbed`` hash it like any other attribute: the cheap half of a lattice/word lexicon.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

FACTORY = "fraudgraph_char_bigrams"
END = "</s>"


class CharBigramFeatures:
    """Sets ``token.lemma_`` to the token text joined with the next token's text."""

    def __init__(self, name: str, end_marker: str) -> None:
        self.name = name
        self.end_marker = end_marker

    def __call__(self, doc: Doc) -> Doc:
        tokens = list(doc)
        for token, following in zip(tokens, [*tokens[1:], None], strict=True):
            token.lemma_ = token.text + (
                following.text if following is not None else self.end_marker
            )
        return doc


@Language.factory(FACTORY, default_config={"end_marker": END})
def make_char_bigrams(nlp: Language, name: str, end_marker: str) -> CharBigramFeatures:
    """spaCy factory of :class:`CharBigramFeatures`."""
    return CharBigramFeatures(name, end_marker)
