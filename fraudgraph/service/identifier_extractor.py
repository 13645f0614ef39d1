"""A fast extractor for the real-time path that finds identifiers only (no spaCy).

The service looks records up by identifier (phone, ID number, card, device, IP...); names and
organisations need the NER models, which :class:`fraudgraph.nlp.extractor.EntityExtractor`
loads in tens of seconds. This extractor starts in a fraction of a second and is what the
service uses when ``service_use_nlp_models`` is off.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Final, Protocol

from fraudgraph.nlp.extractor import IDENTIFIER_FIELD_KINDS, TextRecord
from fraudgraph.nlp.identifier_matcher import IdentifierMatcher
from fraudgraph.types import Entity, EntityKind, Provenance

EXTRACTOR: Final = "fraudgraph.service.identifiers"
VERSION: Final = "0.1.0"


class EntitySource(Protocol):
    """What the decision engine needs from an extractor (EntityExtractor satisfies it)."""

    def extract_many(self, records: Iterable[TextRecord]) -> list[list[Entity]]:
        """Entities of each record, in input order."""
        ...


class IdentifierExtractor:
    """Finds validated identifiers in structured fields and free text."""

    def __init__(self, cache_size: int = 16_384) -> None:
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
