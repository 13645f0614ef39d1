"""Person names: one canonical spelling and a romanisation key that joins 李伟 with "Li Wei"."""

from __future__ import annotations

import functools
import re
import unicodedata

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_TOKEN = re.compile(r"[a-z]+")
_SEPARATORS = re.compile(r"[\s·•．.,，\-_']+")
# Surnames whose reading differs from the character's everyday reading.
_SURNAME_READINGS = {"曾": "zeng", "单": "shan", "仇": "qiu", "解": "xie", "区": "ou",
                     "查": "zha", "朴": "piao", "盖": "ge", "乐": "yue", "缪": "miao",
                     "尉迟": "yuchi", "万俟": "moqi", "长孙": "zhangsun"}  # fmt: skip


class NameNormaliser:
    """Canonical names (width, spacing, case) and pinyin keys for cross-script matching."""

    def canonical(self, name: str) -> str:
        """NFKC, no spaces inside Chinese names, single spaces and lower case in Latin ones."""
        text = unicodedata.normalize("NFKC", name).strip()
        if _CJK.search(text):
            return re.sub(r"[\s·•.]+", "", text)
        return " ".join(_SEPARATORS.sub(" ", text).lower().split())

    @staticmethod
    def load_tables() -> None:
        """Import pypinyin now rather than on the first Chinese name: its tables (~190k Python
        objects) then exist before a caller freezes the heap after loading (``gc.freeze``), and
        the cyclic collector does not rescan them on every full collection."""
        import pypinyin  # noqa: F401

    def romanised(self, name: str) -> list[str]:
        """Syllables of the name in toneless pinyin (Chinese) or its lower-case Latin tokens."""
        text = self.canonical(name)
        if not _CJK.search(text):
            return _LATIN_TOKEN.findall(text)
        from pypinyin import lazy_pinyin

        for surname, reading in _SURNAME_READINGS.items():
            if text.startswith(surname) and len(text) > len(surname):
                return [reading, *lazy_pinyin(text[len(surname) :])]
        return [syllable for syllable in lazy_pinyin(text) if syllable.isalpha()]

    @functools.lru_cache(maxsize=65536)  # noqa: B019  one normaliser lives per process
    def keys(self, name: str) -> frozenset[str]:
        """Order-free romanisation keys: "Li Wei", "WEI Li", 李伟 and "liwei" share one.

        Chinese names put the surname first, Western-order romanisations last, so the key set
        holds the syllables joined in both orders (given names as one word or split).
        """
        tokens = self.romanised(name)
        if not tokens:
            return frozenset()
        joined = "".join(tokens)
        if _CJK.search(name) or len(tokens) == 1:
            return frozenset({joined})
        return frozenset(
            {joined, "".join(tokens[1:] + tokens[:1]), "".join(tokens[-1:] + tokens[:-1])}
        )

    def key(self, name: str) -> str:
        """One deterministic key: the alphabetically first of :meth:`keys` (empty if none)."""
        keys = self.keys(name)
        return min(keys) if keys else ""
