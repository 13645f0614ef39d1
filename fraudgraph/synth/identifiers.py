"""Formatting of the machine identifiers of the world: resident IDs, phones, devices, IPs.

The population stores identifiers as integers (compact, vectorisable); these functions turn
them into their canonical strings. Canonical forms are the graph keys used in the ground truth:
E.164 phones ("+8613912345678"), upper-case resident IDs, digit-only card numbers, IMEIs of 15
digits, upper-case iOS identifiers and dotted IPv4.
"""

from __future__ import annotations

from datetime import date

from fraudgraph.nlp.checksums import luhn_check_digit, resident_id_check_char

_MIX = 0x9E3779B97F4A7C15
_MASK64 = (1 << 64) - 1


def resident_id(region_code: str, birth: date, sequence: int) -> str:
    """An 18-character resident ID number (odd sequence = male, even = female)."""
    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def card_number(bin_prefix: str, serial: int, length: int = 16) -> str:
    """A Luhn-valid card number starting with ``bin_prefix``."""
    body_len = length - len(bin_prefix) - 1
    payload = f"{bin_prefix}{serial % 10**body_len:0{body_len}d}"
    return payload + luhn_check_digit(payload)


def mix64(value: int) -> int:
    """A cheap 64-bit bijective mixer (splitmix64 finaliser) to derive ids from seeds."""
    z = (value + _MIX) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def device_id(kind: int, seed: int) -> str:
    """Device identifier: 0 Android IMEI (Luhn), 1 iOS vendor id (UUID), 2 web fingerprint."""
    if kind == 0:
        payload = f"86{seed % 10**12:012d}"
        return payload + luhn_check_digit(payload)
    if kind == 1:
        high, low = mix64(seed), mix64(seed ^ _MIX)
        raw = f"{high:016X}{low:016X}"
        return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
    return f"web-{mix64(seed ^ 0x5BD1E995):016x}"


def ipv4(value: int) -> str:
    """Dotted IPv4 from an unsigned 32-bit integer."""
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def parse_ipv4(text: str) -> int:
    """Unsigned 32-bit integer of a dotted IPv4 address."""
    a, b, c, d = (int(part) for part in text.split("."))
    return a << 24 | b << 16 | c << 8 | d
