"""Canonical keys and attributes for named-entity mentions (people, organisations, places)."""

from __future__ import annotations

import functools
import re
import unicodedata

from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.name_normaliser import NameNormaliser
from fraudgraph.nlp.organisation_normaliser import OrganisationNormaliser
from fraudgraph.types import EntityKind

#: Canonical forms remembered (names, employers and addresses repeat a lot across records).
CACHE_SIZE = 200_000
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_PUNCTUATION = re.compile(r"[,.;:#]+")
#: Abbreviations of romanised Chinese addresses, written out (whole words only).
_LATIN_WORDS = {"rd": "road", "st": "street", "ave": "avenue", "bldg": "building", "rm": "room"}


class Canonicaliser:
    """Turns a mention's text into the ``canonical`` graph key plus helpful attributes."""

    def __init__(self, addresses: AddressParser | None = None) -> None:
        self.names = NameNormaliser()
        self.organisations = OrganisationNormaliser()
        self.addresses = addresses or AddressParser()
        self._cached = functools.lru_cache(maxsize=CACHE_SIZE)(self._compute)

    def canonical(self, kind: EntityKind, text: str) -> tuple[str, dict[str, str]]:
        """(canonical key, attributes) of a mention of ``kind`` (memoised)."""
        key, attributes = self._cached(kind, text)
        return key, dict(attributes)

    def _compute(self, kind: EntityKind, text: str) -> tuple[str, dict[str, str]]:
        if kind is EntityKind.PERSON:
            return self.names.canonical(text), {"romanised": self.names.key(text)}
        if kind is EntityKind.ORGANIZATION:
            return self.organisations.canonical(text), {"core": self.organisations.core(text)}
        if kind is EntityKind.ADDRESS:
            if not _CJK.search(text):
                # The component parser reads Chinese; on romanised text it invents parts
                # ("ROOM 807, ..." came out as poi=room). Case, commas and abbreviations are
                # what such writings of one address differ in.
                return self._latin_address(text), {}
            parts = self.addresses.parse(text)
            key = AddressParser.key_from_parts(parts)
            return key or self._plain(text), {
                f"part.{name}": value for name, value in parts.items()
            }
        return self._plain(text), {}

    @staticmethod
    def _latin_address(text: str) -> str:
        words = _LATIN_PUNCTUATION.sub(" ", Canonicaliser._plain(text)).split()
        return " ".join(_LATIN_WORDS.get(word, word) for word in words)

    @staticmethod
    def _plain(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).split()).lower()
