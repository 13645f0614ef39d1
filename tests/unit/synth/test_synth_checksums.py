"""Check-digit algorithms: known published examples and round-trip properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fraudgraph.nlp.checksums import (
    is_resident_id,
    luhn_check_digit,
    luhn_valid,
    resident_id_check_char,
)
from fraudgraph.synth.identifiers import card_number, device_id, resident_id


def test_resident_id_matches_the_standard_example() -> None:
    # The worked example of GB 11643-1999.
    assert resident_id_check_char("11010519491231002") == "X"
    assert is_resident_id("11010519491231002X")
    assert not is_resident_id("110105194912310021")


def test_resident_id_rejects_impossible_birth_dates() -> None:
    first17 = "11010519490230002"  # 30 February
    assert not is_resident_id(first17 + resident_id_check_char(first17))


def test_luhn_known_numbers() -> None:
    assert luhn_valid("79927398713")
    assert luhn_valid("4111111111111111")
    assert luhn_valid("490154203237518")  # an IMEI
    assert not luhn_valid("4111111111111112")
    assert luhn_check_digit("7992739871") == "3"


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=18), st.integers(0, 17), st.integers(1, 9)
)
def test_luhn_detects_any_single_digit_change(payload: str, position: int, delta: int) -> None:
    number = payload + luhn_check_digit(payload)
    assert luhn_valid(number)
    position %= len(number)
    changed = str((int(number[position]) + delta) % 10)
    corrupted = number[:position] + changed + number[position + 1 :]
    assert not luhn_valid(corrupted)


@given(st.integers(0, 10**12))
def test_generated_identifiers_validate(serial: int) -> None:
    from datetime import date

    assert luhn_valid(card_number("622202", serial))
    assert luhn_valid(device_id(0, serial))
    assert len(device_id(0, serial)) == 15
    assert is_resident_id(resident_id("500103", date(1990, 1, 1), serial % 1000))
