"""Writes canonical values the messy ways people type them on forms and in messages.

Applicants write the same phone as "13912345678", "139-1234-5678", "+86 139 1234 5678" or in
full-width digits; the ground truth keeps the canonical value, the files carry what was written.
"""

from __future__ import annotations

import random
from datetime import date

_FULL_WIDTH = str.maketrans("0123456789+-xX() ", "０１２３４５６７８９＋－ｘＸ（）\u3000")
_MONTHS_EN = (
    *("January", "February", "March", "April", "May", "June", "July"),
    *("August", "September", "October", "November", "December"),
)
_INTERNATIONAL_CODES = ("852", "44", "65", "1")


def full_width(text: str) -> str:
    """Full-width digits and signs, as typed with a Chinese input method in full-width mode."""
    return text.translate(_FULL_WIDTH)


def split_phone(e164: str) -> tuple[str, str, str]:
    """(country code, area code or "", subscriber number) of an E.164 number."""
    digits = e164.lstrip("+")
    if digits.startswith("86"):
        national = digits[2:]
        if national.startswith("1") and len(national) == 11:
            return "86", "", national
        area_len = 2 if national[0] in "12" else 3
        return "86", national[:area_len], national[area_len:]
    for code in _INTERNATIONAL_CODES:
        if digits.startswith(code):
            return code, "", digits[len(code) :]
    raise ValueError(f"unsupported phone {e164!r}")


class MessyWriter:
    """Renders canonical values in varied human formats; ``messiness`` in [0, 1] sets how often."""

    def __init__(self, rng: random.Random, messiness: float = 0.3) -> None:
        self._rng = rng
        self._messiness = messiness

    def _messy(self) -> bool:
        return self._rng.random() < self._messiness

    def phone(self, e164: str) -> str:
        """A phone number as a person would write it."""
        if not self._messy():
            country, area, number = split_phone(e164)
            if country == "86":
                return f"0{area}-{number}" if area else number
            return e164
        written = self._phone_variant(e164)
        return full_width(written) if self._rng.random() < 0.1 else written

    def _phone_variant(self, e164: str) -> str:
        country, area, number = split_phone(e164)
        choice = self._rng.randrange(6)
        if country != "86":
            spaced = f"{number[:4]} {number[4:]}"
            return (f"+{country} {spaced}", f"00{country} {number}", f"+{country}-{number}")[
                choice % 3
            ]
        if area:
            local = f"{number[:4]} {number[4:]}"
            variants = (f"({'0' + area}){number}", f"0{area} {local}", f"+86 {area} {local}")
            return (*variants, f"0{area}{number}", f"0{area}-{number}", f"+86-{area}-{number}")[
                choice
            ]
        groups = f"{number[:3]} {number[3:7]} {number[7:]}"
        return (
            f"{number[:3]}-{number[3:7]}-{number[7:]}",
            groups,
            f"+86 {groups}",
            f"+86{number}",
            f"0086 {number}",
            f"(+86){number}",
        )[choice]

    def id_number(self, value: str) -> str:
        """A resident ID number, sometimes spaced, lower-case x or full-width."""
        if not self._messy():
            return value
        choice = self._rng.randrange(4)
        if choice == 0:
            return value.lower()
        if choice == 1:
            return f"{value[:6]} {value[6:14]} {value[14:]}"
        if choice == 2:
            return full_width(value)
        return f"{value[:6]}-{value[6:14]}-{value[14:]}"

    def card(self, digits: str) -> str:
        """A card number, grouped by four with spaces or dashes, or plain."""
        choice = self._rng.randrange(4)
        if choice == 0:
            return digits
        groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
        return ("-" if choice == 1 else " ").join(groups)

    def amount(self, value: float, currency: str, language: str) -> tuple[str, str]:
        """(written, canonical) of an amount; canonical is "12345.00 CNY"."""
        canonical = f"{value:.2f} {currency}"
        whole = float(value).is_integer()
        text = f"{value:,.0f}" if whole else f"{value:,.2f}"
        plain = f"{value:.0f}" if whole else f"{value:.2f}"
        if currency == "USD":
            local = f"{plain}美元" if language == "zh" else f"US${text}"
            options = [f"${text}", f"USD {text}", local]
        elif language == "zh":
            options = [f"{plain}元", f"{text}元", f"¥{text}", f"人民币{plain}元"]
            if whole and value % 10000 == 0:
                options.append(f"{value / 10000:g}万元")
        else:
            options = [f"RMB {text}", f"CNY {plain}", f"{text} yuan", f"¥{text}"]
            if whole and value % 1000 == 0:
                options.append(f"{value / 1000:g}k RMB")
        return self._rng.choice(options), canonical

    def date(self, day: date, language: str) -> str:
        """A date written in one of the common styles of the language."""
        if language == "zh":
            options = [
                f"{day.year}年{day.month}月{day.day}日",
                day.isoformat(),
                f"{day.year}/{day.month}/{day.day}",
                f"{day:%Y.%m.%d}",
            ]
        else:
            month = _MONTHS_EN[day.month - 1]
            options = [f"{month} {day.day}, {day.year}", f"{day.day} {month} {day.year}"]
            options.append(day.isoformat())
        return self._rng.choice(options)

    def spaced_name(self, name: str) -> str:
        """A Chinese name sometimes typed with a space after the surname."""
        if len(name) >= 2 and self._rng.random() < self._messiness * 0.2:
            return f"{name[0]} {name[1:]}"
        return name
