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
from dataclasses import dataclass
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


#: LRU caches the findings are spread over (a power of two).
CACHE_SHARDS = 16


class IdentifierExtractor:
    """Finds validated identifiers in structured fields and free text."""

    def __init__(self, cache_size: int = 131_072) -> None:
        self._matcher = IdentifierMatcher()
        # Accounts, devices and short memos repeat across requests; matching is the costliest
        # step of the request path, and what it finds in a field depends on the field and the
        # text only: the findings are cached whole, and a request only adds its provenance.
        # The cache is CACHE_SHARDS LRU caches (by the key's hash): a full LRU cache rebuilds
        # its whole dictionary every so often to clear the slots of evicted keys, and one of
        # 131,072 entries held the GIL for 13-16 ms doing so (measured); a shard's is 1/16.
        per_shard = max(1, cache_size // CACHE_SHARDS)
        self._shards = [
            functools.lru_cache(maxsize=per_shard)(self._find_in_field) for _ in range(CACHE_SHARDS)
        ]

    def extract_many(
        self, records: Iterable[TextRecord], *, batch_size: int = 256
    ) -> list[list[Entity]]:
        """Entities of each record: identifiers only, with provenance (no batching needed)."""
        return [self._extract(r) for r in records]

    def _extract(self, record: TextRecord) -> list[Entity]:
        source, field = record.source_id, record.field
        return [
            Entity(f.kind, f.text, f.canonical, f.valid,
                   Provenance(source, field, f.start, f.end, EXTRACTOR, VERSION, f.confidence),
                   f.attributes)
            for f in self._findings(field, record.text)
        ]  # fmt: skip

    def _findings(self, field: str, text: str) -> tuple[_Finding, ...]:
        """:meth:`_find_in_field`, cached in the shard of ``(field, text)``."""
        return self._shards[hash((field, text)) & (CACHE_SHARDS - 1)](field, text)

    def _find_in_field(self, field: str, text: str) -> tuple[_Finding, ...]:
        """What the field ``field`` holding ``text`` yields, without the record's provenance."""
        expected: Mapping[str, EntityKind] = IDENTIFIER_FIELD_KINDS
        kind = expected.get(field)
        matches = None
        if kind is EntityKind.IP:
            matches = self._plain_ip(text)
        elif kind is EntityKind.DEVICE:
            matches = self._no_device(text)
        if matches is None:
            matches = self._matcher.find(text)
        if kind is not None:
            matches = [m for m in matches if m.kind is kind]
        found = [
            _Finding(m.kind, text[m.start : m.end], m.canonical, m.valid, m.start, m.end,
                     m.confidence, m.attributes)
            for m in matches
        ]  # fmt: skip
        if kind is not None and not found and text.strip():
            found.append(self._opaque(text, kind))
        return tuple(found)

    @staticmethod
    def _plain_ip(text: str) -> list[IdentifierMatch] | None:
        """The IP field's usual value without the full matcher (costly on numbers), or None.

        Gives what the matcher gives for a bare valid IPv4 address; anything else is None and
        goes through the matcher.
        """
        if not _PLAIN_IPV4.fullmatch(text):
            return None
        value = 0
        for octet in text.split("."):
            # What ipaddress refuses (and the matcher then does not report): "010", "256".
            number = int(octet)
            if number > 255 or (octet[0] == "0" and len(octet) > 1):
                return None
            value = (value << 8) | number
        attributes = {"version": "4", "private": "true" if _is_private(value) else "false"}
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
    def _opaque(text: str, kind: EntityKind) -> _Finding:
        """A structured value that matched no pattern: devices are opaque, others invalid."""
        value = text.strip()
        start = text.index(value)
        canonical = "".join(value.split())
        canonical = (
            canonical.lower()
            if kind in {EntityKind.DEVICE, EntityKind.EMAIL}
            else canonical.upper()
        )
        valid = kind is EntityKind.DEVICE
        return _Finding(
            kind, value, canonical, valid, start, start + len(value), 1.0 if valid else 0.5,
            {} if valid else {"reason": "unrecognised"},
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Finding:
    """An identifier found in a field's text, before the record's provenance is added."""

    kind: EntityKind
    text: str
    canonical: str
    valid: bool
    start: int
    end: int
    confidence: float
    attributes: dict[str, str]


def _private_ranges() -> dict[int, tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]]:
    """What ``IPv4Address.is_private`` counts as private, by first octet.

    For each first octet, the (network, netmask) integers of the private networks that
    overlap it, and of the exceptions that newer Python releases carve out of them. Read from
    the ``ipaddress`` module itself (its table differs between Python releases); empty when
    that module is laid out otherwise.
    """
    constants = getattr(ipaddress.IPv4Address, "_constants", None)
    private = getattr(constants, "_private_networks", None)
    if not private:
        return {}
    exceptions = getattr(constants, "_private_networks_exceptions", ())

    def overlapping(
        nets: Iterable[ipaddress.IPv4Network], octet: int
    ) -> tuple[tuple[int, int], ...]:
        block = ipaddress.IPv4Network((octet << 24, 8))
        return tuple((int(n.network_address), int(n.netmask)) for n in nets if n.overlaps(block))

    return {o: (overlapping(private, o), overlapping(exceptions, o)) for o in range(256)}


_PRIVATE = _private_ranges()


def _is_private(value: int) -> bool:
    """``ipaddress.IPv4Address(value).is_private``, without building the address object."""
    if not _PRIVATE:  # a Python whose ipaddress is laid out otherwise: ask it
        return ipaddress.IPv4Address(value).is_private
    private, exceptions = _PRIVATE[value >> 24]
    return any(value & mask == net for net, mask in private) and not any(
        value & mask == net for net, mask in exceptions
    )
