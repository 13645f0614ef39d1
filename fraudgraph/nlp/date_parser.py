"""Dates in Chinese and English text, normalised to ISO 8601 (``2024-03-05`` or ``2024-03``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

_MONTHS = {name: number for number, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1)
    for name in names}  # fmt: skip
_MONTH = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_PATTERNS = (
    re.compile(
        r"(?<!\d)(?P<y>(?:19|20)\d{2})\s?[年\-/.]\s?(?P<m>\d{1,2})\s?[月\-/.]\s?(?P<d>\d{1,2})"
        r"(?:\s?[日号])?(?!\d)"
    ),
    re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s?年\s?(?P<m>\d{1,2})\s?月(?!\d)"),
    re.compile(
        r"(?i)(?<![A-Za-z])" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)"
    ),
    re.compile(
        r"(?i)(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<y>\d{4})(?!\d)"
    ),
)


# What each pattern cannot match without: a year 19xx/20xx after a non-digit (numeric forms),
# a month name after a non-letter (English forms). Texts without it skip the pattern.
_NUMERIC_HINT = re.compile(r"(?<!\d)(?:19|20)\d{2}")
_NAME_HINT = re.compile(r"(?i)(?<![A-Za-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_HINTS = (_NUMERIC_HINT, _NUMERIC_HINT, _NAME_HINT, _NAME_HINT)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A calendar date (or month) found in text."""

    start: int
    end: int
    iso: str


class DateParser:
    """Finds real calendar dates; impossible ones (2023-02-30) are not reported."""

    def find(self, text: str) -> Iterator[FoundDate]:
        """Yield dates in (folded) ``text``; overlapping matches are left to the caller."""
        hinted: dict[re.Pattern[str], bool] = {}
        for pattern, hint in zip(_PATTERNS, _HINTS, strict=True):
            if hint not in hinted:
                hinted[hint] = hint.search(text) is not None
            if not hinted[hint]:
                continue
            for match in pattern.finditer(text):
                iso = self._iso(match)
                if iso is not None:
                    yield FoundDate(match.start(), match.end(), iso)

    @staticmethod
    def _iso(match: re.Match[str]) -> str | None:
        groups = match.groupdict()
        month = _MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
        year = int(groups["y"])
        if groups.get("d") is None:
            return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
        try:
            return date(year, month, int(groups["d"])).isoformat()
        except ValueError:
            return None
