"""Fills the free-text templates of ``data/text.json`` and annotates the entities it plants."""

from __future__ import annotations

import random
import re
from typing import Any

from fraudgraph.synth.annotated_text import AnnotatedText
from fraudgraph.synth.catalog import Catalog
from fraudgraph.types import EntityKind

# Template slots that are entities, with their kind; other slots ({YEARS}, {TITLE}...) are plain.
SLOT_KINDS: dict[str, EntityKind] = {
    "CONTACT": EntityKind.PERSON,
    "REFERRER": EntityKind.PERSON,
    "PAYEE": EntityKind.PERSON,
    "EMPLOYER": EntityKind.ORGANIZATION,
    "MERCHANT": EntityKind.ORGANIZATION,
    "PAYER_ORG": EntityKind.ORGANIZATION,
    "UTILITY": EntityKind.ORGANIZATION,
    "WORK_ADDRESS": EntityKind.ADDRESS,
    "CONTACT_PHONE": EntityKind.PHONE,
    "ALT_PHONE": EntityKind.PHONE,
    "WORK_PHONE": EntityKind.PHONE,
    "EMAIL": EntityKind.EMAIL,
    "CARD": EntityKind.BANK_CARD,
    "AMOUNT": EntityKind.AMOUNT,
    "INCOME": EntityKind.AMOUNT,
    "DATE": EntityKind.DATE,
    "ID_NUMBER": EntityKind.ID_NUMBER,
    "DEVICE": EntityKind.DEVICE,
    "IP": EntityKind.IP,
}
_SLOT = re.compile(r"\{([A-Z_0-9]+)\}")

Slots = dict[str, tuple[str, str]]  # slot -> (text as written, canonical value)
_Parsed = tuple[tuple[tuple[str, bool], ...], frozenset[str]]


class Narrator:
    """Renders a template group with the slot values available, choosing templates at random."""

    def __init__(self, catalog: Catalog, rng: random.Random) -> None:
        self._rng = rng
        self._groups: dict[tuple[str, str], list[_Parsed]] = {}
        for language in ("zh", "en"):
            section: dict[str, Any] = catalog.text[language]
            for group, templates in section.items():
                self._groups[(language, group)] = [_parse(t) for t in templates]

    def render(self, language: str, group: str, slots: Slots) -> AnnotatedText | None:
        """A filled template of ``group`` whose slots are all in ``slots``; None if none fits."""
        fitting = [t for t in self._groups[(language, group)] if t[1] <= slots.keys()]
        if not fitting:
            return None
        parts, _ = self._rng.choice(fitting)
        text = AnnotatedText()
        for position, (piece, is_slot) in enumerate(parts):
            if not is_slot:
                text.add(piece)
                continue
            written, canonical = slots[piece]
            kind = SLOT_KINDS.get(piece)
            if kind is None:
                # A sentence may open with a plain word such as a job title: capitalise it.
                text.add(written[:1].upper() + written[1:] if position == 0 else written)
            else:
                text.add_entity(written, kind.value, canonical)
        return text


def _parse(template: str) -> _Parsed:
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in _SLOT.finditer(template):
        if match.start() > position:
            parts.append((template[position : match.start()], False))
        parts.append((match.group(1), True))
        position = match.end()
    if position < len(template):
        parts.append((template[position:], False))
    return tuple(parts), frozenset(p for p, is_slot in parts if is_slot)
