"""Rule-based recognition and validation of identifiers in free text.

Works on the :class:`TextFolder` view of the text (same length, so offsets are the original
ones). Digits are collected in *chunks* that may be split by spaces, dashes, brackets or a
couple of Chinese characters ("139 1234 5678", "139转1234转5678"); consecutive chunks are
joined into the longest reading that validates. Numbers that have the shape of an identifier
but fail its checksum are reported with ``valid=False``; lookalikes with no such shape are not
reported at all.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from fraudgraph.nlp import checksums
from fraudgraph.nlp.amount_parser import AmountParser
from fraudgraph.nlp.date_parser import DateParser
from fraudgraph.nlp.phone_parser import PhoneParser
from fraudgraph.nlp.text_folder import TextFolder
from fraudgraph.types import EntityKind

_ANY_DIGIT = re.compile(r"[0-9]")
_ANY_LETTER = re.compile(r"[A-Za-z]")
_CHUNK = re.compile(r"\d+(?:[Xx](?![A-Za-z0-9]))?")
_SOFT_GAP = re.compile(r"[ \t\-‐–—_.·()（）]{1,3}")
_TEXT_GAP = re.compile(r"[\u4e00-\u9fff]{1,2}")
_MAX_DIGITS = 22
# The fewest digits any reading takes: "00" + an 8-digit foreign number (mobiles and landlines
# have 11, the other identifiers 15 or more); after "+", an 8-digit foreign number. Shorter
# joins are not read at all (``_read_digits`` would return None for every one of them).
_MIN_DIGITS = 10
_MIN_DIGITS_INTERNATIONAL = 8
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9])"
)
_IPV4 = re.compile(r"(?<!\d)(?<!\d\.)(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_DOTTED_QUAD = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_IPV6_TOKEN = re.compile(r"[0-9A-Za-z:.]*:[0-9A-Za-z:.]*:[0-9A-Za-z:.]*")
_NON_HEX_LETTER = re.compile(r"[G-Zg-z]")
_UUID = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
    r"(?![0-9A-Za-z])"
)
_PREFIXED_DEVICE = re.compile(
    r"(?i)(?<![0-9A-Za-z])(?:web|ios|android|h5|pc|mac|win|dev|device)[-_][0-9a-f]{8,32}"
    r"(?![0-9A-Za-z])"
)
_USCC = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
_IMEI_CONTEXT = re.compile(r"(?i)imei|设备|串号")

# When two findings overlap, the longer wins; on equal length, the earlier kind in this order.
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        (
            EntityKind.EMAIL,
            EntityKind.ID_NUMBER,
            EntityKind.USCC,
            EntityKind.BANK_CARD,
            EntityKind.IP,
            EntityKind.PHONE,
            EntityKind.DEVICE,
            EntityKind.DATE,
            EntityKind.AMOUNT,
        )
    )
}


@dataclass(frozen=True, slots=True)
class IdentifierMatch:
    """An identifier found in text: character span, canonical key and validity."""

    kind: EntityKind
    start: int
    end: int
    canonical: str
    valid: bool = True
    confidence: float = 1.0
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Reading:
    kind: EntityKind
    canonical: str
    valid: bool
    attributes: dict[str, str]


# How a chunk of digits joins the one before it.
_GAP_NONE, _GAP_SOFT, _GAP_TEXT = 0, 1, 2


class _Chunks:
    """The digit chunks of a text, how each joins the previous one (``gaps[0]`` is
    ``_GAP_NONE``) and how many digits can be joined from each onwards (``reach``)."""

    __slots__ = ("count", "gaps", "matches", "reach")

    def __init__(self, text: str) -> None:
        self.matches = list(_CHUNK.finditer(text))
        self.count = len(self.matches)
        self.reach = [match.end() - match.start() for match in self.matches]
        self.gaps = [_GAP_NONE]
        if self.count > 1:
            ends = [match.end() for match in self.matches]
            starts = [match.start() for match in self.matches]
            self.gaps += [self._gap(text[ends[k - 1] : starts[k]]) for k in range(1, self.count)]
            for k in range(self.count - 2, -1, -1):
                if self.gaps[k + 1] != _GAP_NONE:
                    self.reach[k] += self.reach[k + 1]

    @staticmethod
    def _gap(gap: str) -> int:
        if _TEXT_GAP.fullmatch(gap):
            return _GAP_TEXT
        return _GAP_SOFT if _SOFT_GAP.fullmatch(gap) else _GAP_NONE


class IdentifierMatcher:
    """Finds phones, IDs, credit codes, cards, devices, IPs, e-mails, amounts and dates."""

    def __init__(self) -> None:
        self._folder = TextFolder()
        self._phones = PhoneParser()
        self._amounts = AmountParser()
        self._dates = DateParser()

    def find(self, text: str) -> list[IdentifierMatch]:
        """All identifiers in ``text``, non-overlapping, in order of position."""
        folded = self._folder.fold(text)
        if not _ANY_DIGIT.search(folded):
            # Every identifier has a digit except e-mails (and UUIDs/IPv6 made of letters,
            # which are too rare to pay a full scan for on every name and address).
            return [] if "@" not in folded else list(self._find_emails(folded))
        found = [
            *self._find_numbers(folded),
            *self._find_uscc(folded),
            *self._find_patterns(folded),
        ]
        return self._without_overlaps(found) if len(found) > 1 else found

    def find_kind(self, text: str, kind: EntityKind) -> list[IdentifierMatch]:
        """The matches of one ``kind`` among :meth:`find`'s, with shortcuts for a field that is
        one plain IPv4 address or one e-mail address (:meth:`_whole_email`).

        A field holding only a dotted quad has no other reading that could win the overlap
        with its address: its at most 12 digits are too few for a card, ID or credit code (the
        kinds ranked before IPs), it has no year for a date, no currency, letters, ``@``, ``-``
        or ``:``. So its IP match is the address itself, when ``ipaddress`` accepts it.
        """
        if kind is EntityKind.IP:
            stripped = text.strip()
            if _DOTTED_QUAD.fullmatch(stripped):
                return list(self._ip(stripped, text.index(stripped)))
        elif kind is EntityKind.EMAIL:
            whole = self._whole_email(text)
            if whole is not None:
                return [whole]
        return [match for match in self.find(text) if match.kind is kind]

    def _whole_email(self, text: str) -> IdentifierMatch | None:
        """The e-mail match of a field that is one address and nothing else, else None.

        When the first e-mail match of the folded text spans all of it but the surrounding
        whitespace, every other finding lies inside that span (findings need digits, letters or
        signs, and whitespace is none of them): none is longer, and on equal length the e-mail
        ranks first, so the overlap rule keeps the e-mail alone, as :meth:`find` does.
        """
        stripped = text.strip()
        if "@" not in stripped:
            return None
        start = text.index(stripped)
        folded = self._folder.fold(text)
        match = _EMAIL.search(folded, start)
        if match is None or match.span() != (start, start + len(stripped)):
            return None
        return IdentifierMatch(EntityKind.EMAIL, start, match.end(), match.group(0).lower())

    # ---- numbers split into chunks ------------------------------------------------------
    def _find_numbers(self, text: str) -> Iterator[IdentifierMatch]:
        chunks = _Chunks(text)
        i = 0
        while i < chunks.count:
            best = self._best_reading(text, chunks, i)
            if best is None:
                i += 1
                continue
            last, match = best
            yield match
            i = last + 1

    def _best_reading(
        self, text: str, chunks: _Chunks, first: int
    ) -> tuple[int, IdentifierMatch] | None:
        first_start = chunks.matches[first].start()
        international = first_start > 0 and text[first_start - 1] == "+"
        minimum = _MIN_DIGITS_INTERNATIONAL if international else _MIN_DIGITS
        if chunks.reach[first] < minimum:
            return None  # too few digits joinable from here: no join reads
        before = text[max(0, first_start - 12) : first_start]
        digits = ""
        crossed_text = False
        best: tuple[int, IdentifierMatch] | None = None
        for last in range(first, chunks.count):
            if last > first:
                gap = chunks.gaps[last]
                if gap == _GAP_TEXT:
                    crossed_text = True
                elif gap != _GAP_SOFT:
                    break
            digits += chunks.matches[last].group(0).upper()
            if len(digits) > _MAX_DIGITS:
                break
            if "X" in digits[:-1]:
                break
            if len(digits) < minimum:
                continue
            reading = self._read_digits(digits, international, before)
            # Joining across Chinese text is only trusted when the result validates.
            if reading is None or (crossed_text and not reading.valid):
                continue
            start = first_start - 1 if international else first_start
            start = self._open_bracket(text, start, chunks.matches[last].start())
            candidate = IdentifierMatch(
                reading.kind, start, chunks.matches[last].end(), reading.canonical, reading.valid,
                1.0 if reading.valid else 0.5, reading.attributes,
            )  # fmt: skip
            if best is None or reading.valid or not best[1].valid:
                best = (last, candidate)
        return best

    @staticmethod
    def _open_bracket(text: str, start: int, inner: int) -> int:
        """Include "(" of "(010)6234..." or "(+86)139..." when its ")" is inside the span."""
        if start > 0 and text[start - 1] in "(（" and ")" in text[start:inner]:
            return start - 1
        return start

    def _read_digits(self, digits: str, international: bool, before: str) -> _Reading | None:
        if "X" in digits:
            return self._read_id(digits)
        phone = self._phones.parse(digits, international=international)
        if phone is not None:
            return _Reading(EntityKind.PHONE, phone.e164, True, {"type": phone.kind})
        if international:
            return None
        if len(digits) == 15:
            return self._read_fifteen(digits, before)
        if len(digits) == 18:
            # A mistyped or forged ID must stay an invalid ID: one in ten of them passes Luhn
            # and one in 31 the credit-code check, and must not surface as a valid card/code.
            reading = self._read_id(digits)
            if reading is not None:
                return reading
            if checksums.is_uscc(digits):
                return _Reading(EntityKind.USCC, digits, True, {})
        if 16 <= len(digits) <= 19 and checksums.looks_like_card(digits):
            return self._card(digits)
        return None

    @staticmethod
    def _read_id(value: str) -> _Reading | None:
        if checksums.is_resident_id(value):
            return _Reading(EntityKind.ID_NUMBER, value, True, {"birth": value[6:14]})
        if checksums.looks_like_resident_id(value):
            return _Reading(EntityKind.ID_NUMBER, value, False, {"reason": "checksum_or_date"})
        return None

    @staticmethod
    def _card(digits: str) -> _Reading:
        valid = checksums.luhn_valid(digits)
        return _Reading(EntityKind.BANK_CARD, digits, valid, {} if valid else {"reason": "luhn"})

    @staticmethod
    def _read_fifteen(digits: str, before: str) -> _Reading | None:
        device_context = _IMEI_CONTEXT.search(before) is not None
        if device_context or checksums.upgrade_resident_id(digits) is None:
            if checksums.is_imei(digits):
                return _Reading(EntityKind.DEVICE, digits, True, {"type": "imei"})
            if device_context:
                return _Reading(
                    EntityKind.DEVICE, digits, False, {"type": "imei", "reason": "luhn"}
                )
            return None
        upgraded = checksums.upgrade_resident_id(digits)
        assert upgraded is not None  # checked just above
        return _Reading(
            EntityKind.ID_NUMBER, upgraded, True, {"generation": "1", "as_written": digits}
        )

    # ---- credit codes with letters ------------------------------------------------------
    @staticmethod
    def _find_uscc(text: str) -> Iterator[IdentifierMatch]:
        if not _ANY_LETTER.search(text):
            return  # all-digit codes are read with the other numbers
        for match in _USCC.finditer(text):
            code = match.group(0).upper()
            if code.isdigit() or not checksums.looks_like_uscc(code):
                continue  # all-digit codes are read with the other numbers
            valid = checksums.is_uscc(code)
            yield IdentifierMatch(
                EntityKind.USCC, match.start(), match.end(), code, valid, 1.0 if valid else 0.5,
                {} if valid else {"reason": "checksum"},
            )  # fmt: skip

    # ---- fixed patterns -----------------------------------------------------------------
    @staticmethod
    def _find_emails(text: str) -> Iterator[IdentifierMatch]:
        for match in _EMAIL.finditer(text):
            yield IdentifierMatch(
                EntityKind.EMAIL, match.start(), match.end(), match.group(0).lower()
            )

    def _find_patterns(self, text: str) -> Iterator[IdentifierMatch]:
        if "@" in text:
            yield from self._find_emails(text)
        if "." in text or text.count(":") >= 2:  # IPv4 has dots, IPv6 two colons or more
            yield from self._find_ips(text)
        if "-" in text or "_" in text:
            yield from self._find_devices(text)
        for amount in self._amounts.find(text):
            yield IdentifierMatch(
                EntityKind.AMOUNT, amount.start, amount.end, amount.canonical,
                attributes={"currency": amount.currency, "value": str(amount.value)},
            )  # fmt: skip
        for found in self._dates.find(text):
            yield IdentifierMatch(EntityKind.DATE, found.start, found.end, found.iso)

    @staticmethod
    def _find_devices(text: str) -> Iterator[IdentifierMatch]:
        # Upper-case UUIDs (the form iOS reports identifierForVendor in), lower-case app ids.
        for match in _UUID.finditer(text):
            yield IdentifierMatch(
                EntityKind.DEVICE, match.start(), match.end(), match.group(0).upper(),
                attributes={"type": "uuid"},
            )  # fmt: skip
        for match in _PREFIXED_DEVICE.finditer(text):
            yield IdentifierMatch(
                EntityKind.DEVICE, match.start(), match.end(), match.group(0).lower(),
                attributes={"type": "app"},
            )  # fmt: skip

    @staticmethod
    def _find_ips(text: str) -> Iterator[IdentifierMatch]:
        for match in _IPV4.finditer(text):
            yield from IdentifierMatcher._ip(match.group(0), match.start())
        if text.count(":") < 2:
            return  # an IPv6 token has two colons at least
        for match in _IPV6_TOKEN.finditer(text):
            token = match.group(0).rstrip(".")
            # "IPv6:2001:db8::1" is one token: skip a label ending in a colon, but only a
            # label with a non-hex letter, so that no hex group of the address is dropped.
            cuts = [0] + [
                i + 1
                for i, char in enumerate(token)
                if char == ":" and _NON_HEX_LETTER.search(token[:i])
            ]
            for cut in cuts:
                found = list(IdentifierMatcher._ip(token[cut:], match.start() + cut))
                if found:
                    yield from found
                    break

    @staticmethod
    def _ip(candidate: str, start: int) -> Iterator[IdentifierMatch]:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            return  # 999.1.1.1 or a clock time: not an address, not reported
        yield IdentifierMatch(
            EntityKind.IP, start, start + len(candidate), address.compressed,
            attributes={
                "version": str(address.version),
                "private": str(address.is_private).lower(),
            },
        )  # fmt: skip

    @staticmethod
    def _without_overlaps(found: list[IdentifierMatch]) -> list[IdentifierMatch]:
        ranked = sorted(
            found, key=lambda m: (-(m.end - m.start), _PRIORITY.get(m.kind, 99), m.start)
        )
        taken: list[IdentifierMatch] = []
        for match in ranked:
            if all(match.end <= other.start or match.start >= other.end for other in taken):
                taken.append(match)
        return sorted(taken, key=lambda m: m.start)
