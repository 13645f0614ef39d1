"""Phone numbers to E.164: Chinese mobiles and landlines, and international numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Two-digit area codes (Beijing 10, 2x big cities) take 8-digit subscribers; three-digit ones
# take 7 or 8. Subscriber numbers never start with 0 or 1.
_AREA2 = re.compile(r"(10|2\d)([2-9]\d{7})")
_AREA3 = re.compile(r"([3-9]\d{2})([2-9]\d{6,7})")


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A parsed phone number: E.164 text and its type (mobile, landline, international)."""

    e164: str
    kind: str


class PhoneParser:
    """Parses digit strings (separators already removed) as phone numbers."""

    def parse(self, digits: str, *, international: bool = False) -> PhoneNumber | None:
        """Parse ``digits``; ``international`` when a ``+`` preceded them.

        ``0086``/``86`` prefixes count as the Chinese country code. Returns None for anything
        that is not a well-formed number, so lookalikes are never reported.
        """
        if digits.startswith("00") and not international:
            digits, international = digits[2:], True
        if international:
            return self._international(digits)
        if len(digits) == 13 and digits.startswith("86"):
            return self._chinese(digits[2:], trunk=False)
        return self._chinese(digits, trunk=True)

    def _international(self, digits: str) -> PhoneNumber | None:
        if digits.startswith("86"):
            return self._chinese(digits[2:], trunk=False)
        # E.164 allows at most 15 digits; fewer than 8 is no complete foreign number.
        if 8 <= len(digits) <= 15 and digits[0] != "0":
            return PhoneNumber("+" + digits, "international")
        return None

    def _chinese(self, national: str, *, trunk: bool) -> PhoneNumber | None:
        if _MOBILE.fullmatch(national):
            return PhoneNumber("+86" + national, "mobile")
        if trunk:
            if not national.startswith("0"):
                return None
            national = national[1:]
        elif national.startswith("0"):
            national = national[1:]  # "+86 010 ..." keeps a trunk zero that E.164 drops
        if _AREA2.fullmatch(national) or _AREA3.fullmatch(national):
            return PhoneNumber("+86" + national, "landline")
        return None
