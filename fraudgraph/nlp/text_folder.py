"""Length-preserving normalisation so that matches on the folded text map back to the original.

Full-width ASCII (``１３９``, ``＠``) becomes half-width, the ideographic space a space, and runs
of Chinese numerals that spell a number (``一三九一二三四五六七八``) become ASCII digits. Every
replacement is one character for one, so a span found in the folded text is the same span in
the text as written: provenance offsets stay exact.
"""

from __future__ import annotations

import re

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20
_CN_DIGITS = {"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}  # fmt: skip
# A run of digits (either script) and separators; Chinese numerals are only read as digits
# inside a long run, so that ordinary words such as 一个 or 三四天 are left alone.
_DIGIT_RUN = re.compile(r"[0-9〇零一幺二三四五六七八九][0-9〇零一幺二三四五六七八九 \-]*")
_MIN_CN_RUN = 7
_ANY_CN_DIGIT = re.compile("[" + "".join(_CN_DIGITS) + "]")


class TextFolder:
    """Folds text for identifier matching without changing its length."""

    def fold(self, text: str) -> str:
        """Return the folded text (``len(result) == len(text)``)."""
        folded = text.translate(_FULL_WIDTH)
        if not _ANY_CN_DIGIT.search(folded):
            return folded
        return _DIGIT_RUN.sub(self._fold_numerals, folded)

    @staticmethod
    def _fold_numerals(match: re.Match[str]) -> str:
        run = match.group(0)
        digits = sum(char.isdigit() or char in _CN_DIGITS for char in run)
        if digits < _MIN_CN_RUN:
            return run
        return "".join(_CN_DIGITS.get(char, char) for char in run)

    @staticmethod
    def to_half_width(text: str) -> str:
        """Full-width ASCII to half-width only (names, addresses: no numeral folding)."""
        return text.translate(_FULL_WIDTH)
