"""Free text assembled piece by piece, recording the exact character span of each entity."""

from __future__ import annotations

from typing import Any


class AnnotatedText:
    """A string under construction plus the entities planted in it (character offsets)."""

    __slots__ = ("_length", "_parts", "entities")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        """Append plain text."""
        self._parts.append(text)
        self._length += len(text)

    def add_entity(self, text: str, label: str, canonical: str) -> None:
        """Append ``text`` and record it as an entity of kind ``label``."""
        start = self._length
        self.add(text)
        self.entities.append(
            {"start": start, "end": self._length, "label": label, "canonical": canonical}
        )

    @property
    def text(self) -> str:
        """The text assembled so far."""
        return "".join(self._parts)
