"""A fast extractor for the real-time path that finds identifiers only (no spaCy).

The service looks records up by identifier (phone, ID number, card, device, IP...); names and
organisations need the NER models, which :class:`fraudgraph.nlp.extractor.EntityExtractor`
loads in tens of seconds. This extractor starts in a fraction of a second and is what the
service uses when ``service_use_nlp_models`` is off.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Final, Protocol

from fraudgraph.nlp.extractor import IDENTIFIER_FIELD_KINDS, TextRecord
from fraudgraph.nlp.identifier_matcher import IdentifierMatch, IdentifierMatcher
from fraudgraph.types import Entity, EntityKind, Provenance

EXTRACTOR: Final = "fraudgraph.service.identifiers"
VERSION: Final = "0.1.0"
#: A bare dotted-quad IPv4 address: at most 12 digits, too few for any reading (ID number,
#: card, credit code) that could outrank the address, so the matcher would find it alone.
_PLAIN_IPV4: Final = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
#: Digits a device number needs at least (an IMEI); fewer, and only the patterns can match.
_IMEI_DIGITS: Final = 15
_DIGIT: Final = re.compile(r"[0-9]")


class EntitySource(Protocol):
    """What the decision engine needs from an extractor (EntityExtractor satisfies it)."""

    def extract_many(self, records: Iterable[TextRecord]) -> list[list[Entity]]:
        """Entities of each record, in input order."""
        ...


class IdentifierExtractor:
    """Finds validated identifiers in structured fields and free text."""

    def __init__(self, cache_size: int = 131_072) -> None:
        self._matcher = IdentifierMatcher()
        # Devices, IPs and short memos repeat across requests; matching is the costliest step
        # of the request path, and its result depends on the text only.
        self._find = functools.lru_cache(maxsize=cache_size)(self._matcher.find)

    def extract_many(
        self, records: Iterable[TextRecord], *, batch_size: int = 256
    ) -> list[list[Entity]]:
        """Entities of each record: identifiers only, with provenance (no batching needed)."""
        return [self._extract(r) for r in records]

    def _extract(self, record: TextRecord) -> list[Entity]:
        expected: Mapping[str, EntityKind] = IDENTIFIER_FIELD_KINDS
        kind = expected.get(record.field)
        matches = None
        if kind is EntityKind.IP:
            matches = self._plain_ip(record.text)
        elif kind is EntityKind.DEVICE:
            matches = self._no_device(record.text)
        if matches is None:
            matches = self._find(record.text)
        if kind is not None:
            matches = [m for m in matches if m.kind is kind]
        found = []
        for m in matches:
            prov = Provenance(
                record.source_id, record.field, m.start, m.end, EXTRACTOR, VERSION, m.confidence
            )
            text = record.text[m.start : m.end]
            found.append(Entity(m.kind, text, m.canonical, m.valid, prov, m.attributes))
        if kind is not None and not found and record.text.strip():
            found.append(self._opaque(record, kind))
        return found

    @staticmethod
    def _plain_ip(text: str) -> list[IdentifierMatch] | None:
        """The IP field's usual value without the full matcher (costly on numbers), or None.

        Gives what the matcher gives for a bare valid IPv4 address; anything else is None and
        goes through the matcher.
        """
        if not _PLAIN_IPV4.fullmatch(text):
            return None
        octets = text.split(".")
        # What ipaddress refuses (and the matcher then does not report): "010", "256".
        if any(len(o) > 1 and o[0] == "0" for o in octets) or any(int(o) > 255 for o in octets):
            return None
        value = 0
        for octet in octets:
            value = value * 256 + int(octet)
        address = ipaddress.IPv4Address(value)  # from an int: no second parse
        attributes = {"version": "4", "private": str(address.is_private).lower()}
        # Without leading zeros the text is already the address's compressed form.
        return [IdentifierMatch(EntityKind.IP, 0, len(text), text, attributes=attributes)]

    @staticmethod
    def _no_device(text: str) -> list[IdentifierMatch] | None:
        """``[]`` when the matcher would provably find no device in ``text``, else None.

        The matcher finds devices by pattern (UUIDs, ``dev-<hex>`` app ids) or as 15-digit
        IMEIs. ASCII text is matched as written; with no pattern in it and under 15 digits,
        no device can come out, whatever else the (costly) number reading would find.
        """
        if not text.isascii() or len(_DIGIT.findall(text)) >= _IMEI_DIGITS:
            return None
        if any(IdentifierMatcher._find_devices(text)):
            return None
        return []

    @staticmethod
    def _opaque(record: TextRecord, kind: EntityKind) -> Entity:
        """A structured value that matched no pattern: devices are opaque, others invalid."""
        text = record.text.strip()
        start = record.text.index(text)
        canonical = "".join(text.split())
        canonical = (
            canonical.lower()
            if kind in {EntityKind.DEVICE, EntityKind.EMAIL}
            else canonical.upper()
        )
        valid = kind is EntityKind.DEVICE
        prov = Provenance(
            record.source_id, record.field, start, start + len(text), EXTRACTOR, VERSION,
            1.0 if valid else 0.5,
        )  # fmt: skip
        return Entity(
            kind, text, canonical, valid, prov, {} if valid else {"reason": "unrecognised"}
        )
