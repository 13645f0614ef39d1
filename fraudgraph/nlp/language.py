"""Cheap language identification between Chinese and English for routing to a pipeline."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
# A few Chinese characters already make a text Chinese: a memo "转给张三 for rent" is best read
# by the Chinese model, which is character-based and copes with embedded Latin words.
_CJK_SHARE = 0.15


def detect_language(text: str) -> str:
    """``"zh"`` when Chinese characters make up a fair share of the letters, else ``"en"``."""
    cjk = len(_CJK.findall(text))
    if cjk == 0:
        return "en"
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk / (cjk + latin_words) >= _CJK_SHARE else "en"
