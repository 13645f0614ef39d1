"""Check digits of the identifiers the synthetic world issues.

Resident identity numbers follow GB 11643-1999 (ISO 7064 MOD 11-2); bank cards and IMEIs use
the Luhn algorithm. The generator computes check digits with these functions and the tests
validate every canonical identifier with them.
"""

from __future__ import annotations

from datetime import date
from operator import mul

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """Return the 18th character of a resident ID number whose first 17 digits are given."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(map(mul, map(int, first17), RESIDENT_ID_WEIGHTS))
    return _RESIDENT_ID_CHECK[total % 11]


def is_valid_resident_id(value: str) -> bool:
    """True for an 18-character ID with a correct check character and a real birth date."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    if resident_id_check_char(value[:17]) != value[17].upper():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return True


def luhn_check_digit(payload: str) -> str:
    """Return the Luhn digit to append to ``payload`` (card numbers, IMEIs)."""
    if not payload.isdigit():
        raise ValueError(f"expected digits, got {payload!r}")
    total = 0
    # Doubling starts at the rightmost payload digit, which sits left of the check digit.
    for position, char in enumerate(reversed(payload)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is its Luhn check digit."""
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]
