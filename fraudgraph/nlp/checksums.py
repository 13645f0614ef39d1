"""Check-digit and structure validators for Chinese and international identifiers.

Pure functions on already-normalised strings (ASCII digits, upper case, no separators); the
identifier matcher does the normalising. Each ``*_check_char`` computes the expected check
character so that tests and the adversarial data set can build valid numbers.
"""

from __future__ import annotations

import operator
from datetime import date

# GB 11643-1999: weights of the first 17 digits of a resident ID; sum mod 11 indexes the table.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# First two digits of a resident ID: the province-level division (GB/T 2260), incl. 71/81/82.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
        "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
        "63", "64", "65", "71", "81", "82",
    }
)  # fmt: skip

# GB 32100-2015: the unified social credit code alphabet (no I, O, S, V, Z) and weights.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

EARLIEST_BIRTH = date(1900, 1, 1)
# A digit's Luhn contribution when doubled: 2d, less 9 when that is over 9.
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")


def _ascii_digits(value: str) -> bool:
    """``str.isdigit`` also accepts other scripts' digits (٣, ³): identifiers use 0-9 only."""
    return value.isascii() and value.isdigit()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    if len(first17) != len(_ID_WEIGHTS):
        raise ValueError(f"a resident ID check needs 17 digits, not {len(first17)}")
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def birth_date(yyyymmdd: str, today: date | None = None) -> date | None:
    """The date in ``yyyymmdd`` if it is a real calendar day between 1900 and today."""
    if len(yyyymmdd) != 8 or not _ascii_digits(yyyymmdd):
        return None
    try:
        value = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return None
    if not EARLIEST_BIRTH <= value <= (today or date.today()):
        return None
    return value


def is_resident_id(value: str, today: date | None = None) -> bool:
    """True for an 18-character resident ID with a real province, birth date and check digit."""
    if len(value) != 18 or not _ascii_digits(value[:17]):
        return False
    if value[:2] not in PROVINCE_CODES or birth_date(value[6:14], today) is None:
        return False
    return resident_id_check_char(value[:17]) == value[17]


def looks_like_resident_id(value: str) -> bool:
    """True when ``value`` has the shape of a resident ID, even with one digit mistyped.

    Of the three structural checks (province code, a 19xx/20xx year, a month and day in
    range) at least two must hold: a single wrong digit breaks at most one of them, while only
    about 2% of arbitrary 18-digit numbers pass two. Used to keep forged or mistyped IDs as
    ``valid=False`` entities rather than dropping them.
    """
    if len(value) != 18 or not _ascii_digits(value[:17]) or value[17] not in "0123456789X":
        return False
    month, day = int(value[10:12]), int(value[12:14])
    checks = (
        value[:2] in PROVINCE_CODES,
        value[6:8] in {"19", "20"},
        1 <= month <= 12 and 1 <= day <= 31,
    )
    return sum(checks) >= 2


def upgrade_resident_id(old: str, today: date | None = None) -> str | None:
    """Convert a valid first-generation 15-digit ID to its 18-character form, else None.

    The old numbers have no check digit: the century "19" is inserted and the check computed.
    """
    if len(old) != 15 or not _ascii_digits(old) or old[:2] not in PROVINCE_CODES:
        return None
    first17 = old[:6] + "19" + old[6:]
    if birth_date(first17[6:14], today) is None:
        return None
    return first17 + resident_id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def looks_like_uscc(value: str) -> bool:
    """True for the shape of a credit code: registering body, type, 6-digit region, 10 chars."""
    return (
        len(value) == 18
        and value[0] in "123456789ANY"
        and value[1] in "123456789"
        and _ascii_digits(value[2:8])
        and all(char in USCC_ALPHABET for char in value[8:])
    )


def is_uscc(value: str) -> bool:
    """True for a unified social credit code of the right shape and check character."""
    return looks_like_uscc(value) and uscc_check_char(value[:17]) == value[17]


def luhn_check_digit(payload: str) -> str:
    """The Luhn digit that makes ``payload + digit`` pass :func:`luhn_valid`."""
    # The last digit of the payload and every second one before it are doubled once the check
    # digit is appended (a doubled digit over 9 counts its digit sum).
    doubled = payload[::-2]
    if doubled.isascii():
        doubled = doubled.translate(_LUHN_DOUBLED)
    else:  # other scripts' digits (int() reads them): double them one by one
        doubled = "".join(str(2 * int(char) - 9 * (int(char) > 4)) for char in doubled)
    total = sum(map(int, payload[-2::-2])) + sum(map(int, doubled))
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the digit string passes the Luhn (mod 10) check."""
    return len(number) > 1 and _ascii_digits(number) and luhn_check_digit(number[:-1]) == number[-1]


def card_prefix_plausible(number: str) -> bool:
    """True for issuer prefixes of cards seen at Chinese banks.

    UnionPay 62/60/9x domestic, Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37,
    JCB 35, Discover/Diners 30/36/38/65.
    """
    if number.startswith(("4", "62", "60", "65", "34", "35", "36", "37", "30", "38")):
        return True
    if number[:2] in {"51", "52", "53", "54", "55"}:
        return True
    return _ascii_digits(number[:4]) and 2221 <= int(number[:4]) <= 2720


def looks_like_card(number: str) -> bool:
    """True for 16-19 digits with a plausible issuer prefix (checksum not considered)."""
    return _ascii_digits(number) and 16 <= len(number) <= 19 and card_prefix_plausible(number)


def is_bank_card(number: str) -> bool:
    """True for a card number of the right length, a plausible prefix and a Luhn check."""
    return looks_like_card(number) and luhn_valid(number)


def is_imei(number: str) -> bool:
    """True for a 15-digit IMEI whose last digit is its Luhn check."""
    return len(number) == 15 and luhn_valid(number)
