"""Messy renderings must still denote the canonical value they were made from."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date

import pytest

from fraudgraph.synth.messy_writer import MessyWriter, full_width, split_phone

PHONES = [
    "+8613912345678",
    "+862361234567",
    "+861061234567",
    "+8675528781000",
    "+85291234567",
    "+14155550123",
]


def normalise_phone(written: str) -> str:
    """A reference normaliser: what the NLP stage is expected to recover."""
    text = unicodedata.normalize("NFKC", written)
    digits = re.sub(r"\D", "", text)
    if digits.startswith("00"):
        return "+" + digits[2:]
    if text.strip().startswith("+") or text.strip().startswith("(+"):
        return "+" + digits
    if digits.startswith("0"):
        return "+86" + digits[1:]
    return "+86" + digits


@pytest.mark.parametrize("canonical", PHONES)
def test_every_phone_variant_normalises_back(canonical: str) -> None:
    writer = MessyWriter(random.Random(5), messiness=1.0)
    variants = {writer.phone(canonical) for _ in range(200)}
    assert len(variants) >= 3
    for variant in variants:
        assert normalise_phone(variant) == canonical, variant


def test_clean_phone_is_written_in_national_form() -> None:
    writer = MessyWriter(random.Random(1), messiness=0.0)
    assert writer.phone("+8613912345678") == "13912345678"
    assert writer.phone("+862361234567") == "023-61234567"


def test_split_phone_separates_area_codes() -> None:
    assert split_phone("+862361234567") == ("86", "23", "61234567")
    assert split_phone("+8675528781000") == ("86", "755", "28781000")
    assert split_phone("+14155550123") == ("1", "", "4155550123")


def test_id_number_variants_keep_the_characters() -> None:
    writer = MessyWriter(random.Random(2), messiness=1.0)
    canonical = "11010519491231002X"
    for _ in range(50):
        written = writer.id_number(canonical)
        plain = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", written)).upper()
        assert plain == canonical


def test_amounts_are_canonical_and_mention_the_value() -> None:
    writer = MessyWriter(random.Random(3), messiness=1.0)
    for _ in range(50):
        written, canonical = writer.amount(50_000.0, "CNY", "zh")
        assert canonical == "50000.00 CNY"
        assert "5" in written
    written, canonical = writer.amount(1234.5, "USD", "en")
    assert canonical == "1234.50 USD"
    assert "1,234.50" in written or "1234.50" in written


def test_dates_render_year_month_and_day() -> None:
    writer = MessyWriter(random.Random(4))
    for language in ("zh", "en"):
        for _ in range(20):
            assert "2025" in writer.date(date(2025, 3, 9), language)


def test_full_width_converts_digits() -> None:
    assert full_width("+86 139") == "＋８６\u3000１３９"
    assert unicodedata.normalize("NFKC", full_width("023-6123")) == "023-6123"
