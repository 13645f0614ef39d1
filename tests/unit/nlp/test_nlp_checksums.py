"""Validators: generated valid numbers pass, every single-digit change fails."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fraudgraph.nlp import checksums

PROVINCES = sorted(checksums.PROVINCE_CODES)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    born = date(1920, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 100)))
    first17 = (
        draw(st.sampled_from(PROVINCES))
        + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
        + born.strftime("%Y%m%d")
        + draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    )
    return first17 + checksums.resident_id_check_char(first17)


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    alphabet = checksums.USCC_ALPHABET
    first17 = (
        draw(st.sampled_from("159Y"))
        + draw(st.sampled_from("123"))
        + draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
        + "".join(draw(st.lists(st.sampled_from(alphabet), min_size=9, max_size=9)))
    )
    return first17 + checksums.uscc_check_char(first17)


@st.composite
def luhn_numbers(draw: st.DrawFn, prefix: str, length: int) -> str:
    body = draw(st.from_regex(rf"[0-9]{{{length - 1 - len(prefix)}}}", fullmatch=True))
    payload = prefix + body
    return payload + checksums.luhn_check_digit(payload)


def substitute(value: str, index: int, alphabet: str) -> list[str]:
    return [value[:index] + char + value[index + 1 :] for char in alphabet if char != value[index]]


@settings(deadline=None, max_examples=60)
@given(resident_ids(), st.integers(0, 17))
def test_resident_id_valid_and_single_substitution_rejected(value: str, index: int) -> None:
    assert checksums.is_resident_id(value, today=date(2030, 1, 1))
    for changed in substitute(value, index, "0123456789X" if index == 17 else "0123456789"):
        assert not checksums.is_resident_id(changed, today=date(2030, 1, 1))


@settings(deadline=None, max_examples=60)
@given(resident_ids(), st.integers(0, 17))
def test_mistyped_id_still_looks_like_an_id(value: str, index: int) -> None:
    for changed in substitute(value, index, "0123456789"):
        assert checksums.looks_like_resident_id(changed)


@settings(deadline=None, max_examples=60)
@given(credit_codes(), st.integers(0, 17))
def test_uscc_valid_and_single_substitution_rejected(value: str, index: int) -> None:
    assert checksums.is_uscc(value)
    for changed in substitute(value, index, checksums.USCC_ALPHABET):
        assert not checksums.is_uscc(changed)


@settings(deadline=None, max_examples=60)
@given(luhn_numbers("62", 19), st.integers(0, 18))
def test_card_valid_and_single_substitution_rejected(value: str, index: int) -> None:
    assert checksums.is_bank_card(value)
    for changed in substitute(value, index, "0123456789"):
        assert not checksums.is_bank_card(changed)


@settings(deadline=None, max_examples=60)
@given(luhn_numbers("35", 15), st.integers(0, 14))
def test_imei_valid_and_single_substitution_rejected(value: str, index: int) -> None:
    assert checksums.is_imei(value)
    for changed in substitute(value, index, "0123456789"):
        assert not checksums.is_imei(changed)


def test_known_numbers() -> None:
    assert checksums.is_resident_id("11010519491231002X")
    assert checksums.is_uscc("91350100M000100Y43")
    assert checksums.luhn_valid("4111111111111111")
    assert checksums.is_imei("490154203237518")


def test_id_with_impossible_birth_date_or_region_is_invalid() -> None:
    first17 = "11010519900230123"  # 30 February
    assert not checksums.is_resident_id(first17 + checksums.resident_id_check_char(first17))
    first17 = "99010519900101123"  # no province 99
    assert not checksums.is_resident_id(first17 + checksums.resident_id_check_char(first17))
    first17 = "11010521000101123"  # born in the future
    assert not checksums.is_resident_id(
        first17 + checksums.resident_id_check_char(first17), today=date(2026, 1, 1)
    )


def test_first_generation_id_upgrade() -> None:
    assert checksums.upgrade_resident_id("110105491231002") == "11010519491231002X"
    assert checksums.upgrade_resident_id("110105491331002") is None  # month 13


def test_card_prefix_rules() -> None:
    assert checksums.card_prefix_plausible("6222021234567890123")
    assert checksums.card_prefix_plausible("2221000000000009")
    assert not checksums.card_prefix_plausible("9999999999999999")
    assert not checksums.looks_like_card("4111111111")  # too short
