"""The Doc that spaCy's Chinese "char" segmenter makes, built in one linear pass.

``spacy.lang.zh.ChineseTokenizer`` with ``segmenter = "char"`` splits a text into its characters
and recovers the whitespace with ``spacy.util.get_words_and_spaces``, which searches the rest of
the text once per character (quadratic in the length, and most of the tokenizer's time on bank
remarks). The same tokens follow from one rule: every non-whitespace character is a token; one
plain space right after it is that token's trailing space; any other run of whitespace is a
token of its own without a trailing space. :meth:`CharTokens.supports` accepts only that
tokenizer, and the tests compare the two on awkward whitespace.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc

# A character with its optional single trailing space, or a run of other whitespace. Python's
# ``\s`` on str patterns is exactly ``str.isspace``, which spaCy's rule uses.
_TOKEN = re.compile(r"(\S)( ?)|(\s+)")


class CharTokens:
    """Makes the Docs of a ``ChineseTokenizer(segmenter="char")`` without its quadratic pass."""

    def __init__(self, tokenizer: Any) -> None:
        self.vocab = tokenizer.vocab

    @staticmethod
    def supports(tokenizer: Any) -> bool:
        """Whether ``tokenizer`` is spaCy's Chinese tokenizer in character mode."""
        return (
            type(tokenizer).__name__ == "ChineseTokenizer"
            and type(tokenizer).__module__ == "spacy.lang.zh"
            and str(getattr(tokenizer, "segmenter", "")) == "char"
        )

    def __call__(self, text: str) -> Doc:
        words: list[str] = []
        spaces: list[bool] = []
        for char, space, run in _TOKEN.findall(text):
            words.append(char or run)
            spaces.append(bool(space))
        return Doc(self.vocab, words=words, spaces=spaces)
