"""The faster identifier scan and check digits give the answers of the plain code they replace.

The references below are the straightforward versions: every digit chunk joined gap by gap
with the gaps matched again for each starting chunk, and the check digits summed digit by
digit.
"""

from __future__ import annotations

import random
import re

import pytest

from fraudgraph.nlp import checksums
from fraudgraph.nlp.identifier_corpus import IdentifierCorpus
from fraudgraph.nlp.identifier_matcher import IdentifierMatch, IdentifierMatcher
from fraudgraph.nlp.text_folder import TextFolder
from fraudgraph.types import EntityKind

_CHUNK = re.compile(r"\d+(?:[Xx](?![A-Za-z0-9]))?")
_SOFT_GAP = re.compile(r"[ \t\-‐–—_.·()（）]{1,3}")
_TEXT_GAP = re.compile(r"[\u4e00-\u9fff]{1,2}")


def _reference_numbers(matcher: IdentifierMatcher, text: str) -> list[IdentifierMatch]:
    chunks = list(_CHUNK.finditer(text))
    found, i = [], 0
    while i < len(chunks):
        best = _reference_best(matcher, text, chunks, i)
        if best is None:
            i += 1
            continue
        found.append(best[1])
        i = best[0] + 1
    return found


def _reference_best(
    matcher: IdentifierMatcher, text: str, chunks: list[re.Match[str]], first: int
) -> tuple[int, IdentifierMatch] | None:
    first_start = chunks[first].start()
    international = first_start > 0 and text[first_start - 1] == "+"
    minimum = 8 if international else 10
    before = text[max(0, first_start - 12) : first_start]
    digits, crossed_text = "", False
    best: tuple[int, IdentifierMatch] | None = None
    for last in range(first, len(chunks)):
        if last > first:
            gap = text[chunks[last - 1].end() : chunks[last].start()]
            if _TEXT_GAP.fullmatch(gap):
                crossed_text = True
            elif not _SOFT_GAP.fullmatch(gap):
                break
        digits += chunks[last].group(0).upper()
        if len(digits) > 22 or "X" in digits[:-1]:
            break
        if len(digits) < minimum:
            continue
        reading = matcher._read_digits(digits, international, before)
        if reading is None or (crossed_text and not reading.valid):
            continue
        start = first_start - 1 if international else first_start
        start = matcher._open_bracket(text, start, chunks[last].start())
        candidate = IdentifierMatch(
            reading.kind, start, chunks[last].end(), reading.canonical, reading.valid,
            1.0 if reading.valid else 0.5, reading.attributes,
        )  # fmt: skip
        if best is None or reading.valid or not best[1].valid:
            best = (last, candidate)
    return best


def _messy_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    ids = IdentifierCorpus(seed)
    makers = (ids.mobile, ids.resident_id, ids.card, ids.imei, ids.ipv4)
    pieces = (" ", "-", "转", "是", "电话", "(", ")", "+", "+86 ", "IMEI", "x", "X", ".", "元")
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randrange(1, 5)):
            value = ids.messy(rng.choice(makers)())
            if rng.random() < 0.3:  # a mistyped digit: invalid readings too
                at = rng.randrange(len(value))
                value = value[:at] + rng.choice("0123456789") + value[at + 1 :]
            parts += [rng.choice(pieces), value[: rng.randrange(3, len(value) + 1)]]
        parts += rng.choices(["12", "345", "2024", "9"], k=rng.randrange(0, 3))
        texts.append("".join(parts))
    return texts


def test_digit_chunk_scan_matches_the_plain_join() -> None:
    matcher = IdentifierMatcher()
    folder = TextFolder()
    texts = [folder.fold(text) for text in _messy_texts(3000, seed=17)]
    texts += ["", "12", "1391234567", "139 1234 5678", "(010)62345678", "+44 20 7946 0958"]
    found: list[IdentifierMatch] = []
    for text in texts:
        expected = _reference_numbers(matcher, text)
        assert list(matcher._find_numbers(text)) == expected, text
        found += expected
    assert len(found) > 1000
    assert len({match.kind for match in found}) >= 4
    assert sum(not match.valid for match in found) > 100


def _reference_luhn(payload: str) -> str:
    total = 0
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def test_check_digits_match_the_digit_by_digit_sums() -> None:
    rng = random.Random(3)
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for _ in range(5000):
        payload = "".join(rng.choices("0123456789", k=rng.randrange(0, 21)))
        assert checksums.luhn_check_digit(payload) == _reference_luhn(payload)
        other = "".join(rng.choices("0123456789\u0663\u00b3", k=rng.randrange(0, 8)))
        other = other.replace("\u00b3", "")  # int() refuses superscripts; str.isdigit does not
        assert checksums.luhn_check_digit(other) == _reference_luhn(other)
        first17 = "".join(rng.choices("0123456789", k=17))
        total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
        assert checksums.resident_id_check_char(first17) == "10X98765432"[total % 11]
    with pytest.raises(ValueError, match="17 digits"):
        checksums.resident_id_check_char("123")


def test_whole_email_shortcut_matches_the_full_scan() -> None:
    matcher = IdentifierMatcher()
    rng = random.Random(21)
    pieces = ("user", "1", "8", "@", ".", "example", "com", "cn", "-", "_", "+", " ", "\u3000")
    pieces += ("ｕ", "＠", "13912345678", "2024-03-05", "192.168.1.1", "x", "元")
    values = [f"user{n}@example.com" for n in range(200)]
    values += ["  A.B@Mail.EXAMPLE.org ", "a@b.c", "a@b.cd.ef", "1@2.com", "", " ", "@"]
    values += [
        "13912345678@qq.com",
        "user@example.com 13912345678",
        "ｕｓｅｒ＠ｅｘａｍｐｌｅ.ｃｏｍ",
    ]
    values += ["".join(rng.choices(pieces, k=rng.randrange(1, 9))) for _ in range(4000)]
    shortcut = 0
    for value in values:
        full = [match for match in matcher.find(value) if match.kind is EntityKind.EMAIL]
        assert matcher.find_kind(value, EntityKind.EMAIL) == full, value
        shortcut += matcher._whole_email(value) is not None
    assert shortcut > 200
