"""A generated adversarial test set for identifier extraction.

Sentences in Chinese and English carry identifiers written the messy ways applicants and
fraudsters write them (spaces, dashes, full-width digits, ``+86``/``0086``, Chinese numerals,
digits split by Chinese characters), near-miss numbers that fail their checksum (gold: the same
kind, ``valid=False``) and lookalikes that are no identifier at all (gold: nothing).
Labels are ``KIND`` for valid and ``KIND:invalid`` for invalid identifiers.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, timedelta

from fraudgraph.nlp import checksums
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.types import EntityKind

_CN_DIGITS = "零一二三四五六七八九"
_FULL_WIDTH_OFFSET = 0xFEE0
_PROVINCES = sorted(checksums.PROVINCE_CODES)
_TEMPLATES = (
    "客户{name}的{what}是{value}，请核实。",
    "备注：{what}：{value}",
    "{what}：{value} 联系人{name}",
    "Applicant {name} gave {what} {value} on the form.",
    "转账附言 {what} {value} {name}",
    "please verify {what}: {value}.",
)
_NAMES = ("张伟", "王芳", "李娜", "刘洋", "Chen Jie", "Zhao Lei")
Piece = tuple[str, str | None]  # (text as written, gold label or None for a lookalike)


class IdentifierCorpus:
    """Builds the adversarial identifier set deterministically from a seed."""

    def __init__(self, seed: int = 2024) -> None:
        self.rng = random.Random(seed)

    # ---- valid numbers ----------------------------------------------------------------------
    def resident_id(self) -> str:
        """A valid 18-character resident ID."""
        born = date(1950, 1, 1) + timedelta(days=self.rng.randrange(365 * 55))
        first17 = (
            self.rng.choice(_PROVINCES)
            + f"{self.rng.randrange(100):02d}{self.rng.randrange(100):02d}"
            + born.strftime("%Y%m%d")
            + f"{self.rng.randrange(1000):03d}"
        )
        return first17 + checksums.resident_id_check_char(first17)

    def uscc(self) -> str:
        """A valid unified social credit code."""
        alphabet = checksums.USCC_ALPHABET
        first17 = (
            self.rng.choice("159")
            + self.rng.choice("123")
            + self.rng.choice(_PROVINCES)
            + f"{self.rng.randrange(10000):04d}"
            + "".join(self.rng.choice(alphabet) for _ in range(9))
        )
        return first17 + checksums.uscc_check_char(first17)

    def card(self) -> str:
        """A valid UnionPay (19 digits), Visa or Mastercard (16 digits) number."""
        prefix, length = self.rng.choice((("62", 19), ("62", 16), ("4", 16), ("53", 16)))
        payload = prefix + "".join(
            str(self.rng.randrange(10)) for _ in range(length - 1 - len(prefix))
        )
        return payload + checksums.luhn_check_digit(payload)

    def imei(self) -> str:
        """A valid IMEI (Luhn)."""
        payload = "35" + "".join(str(self.rng.randrange(10)) for _ in range(12))
        return payload + checksums.luhn_check_digit(payload)

    def mobile(self) -> str:
        """A Chinese mobile number."""
        return (
            "1"
            + self.rng.choice("3456789")
            + "".join(str(self.rng.randrange(10)) for _ in range(9))
        )

    def corrupt(self, value: str, positions: range | None = None) -> str:
        """``value`` with one digit changed (single substitutions always break these checks)."""
        digits = [i for i, c in enumerate(value) if c.isdigit()]
        if positions is not None:
            digits = [i for i in digits if i in positions]
        index = self.rng.choice(digits)
        new = self.rng.choice([d for d in "0123456789" if d != value[index]])
        return value[:index] + new + value[index + 1 :]

    # ---- messy writing ----------------------------------------------------------------------
    def messy(self, digits: str) -> str:
        """Write ``digits`` with a random separator style, width or script."""
        style = self.rng.randrange(6)
        if style == 0:
            return digits
        if style == 1:
            return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
        if style == 2:
            return "-".join(digits[i : i + 4] for i in range(0, len(digits), 4))
        if style == 3:
            return "".join(chr(ord(c) + _FULL_WIDTH_OFFSET) for c in digits)
        if style == 4:
            return "".join(_CN_DIGITS[int(c)] if c.isdigit() else c for c in digits)
        cut = len(digits) // 2
        return digits[:cut] + self.rng.choice(("转", "和", "是")) + digits[cut:]

    # ---- pieces -----------------------------------------------------------------------------
    def landline(self) -> str:
        """A Chinese landline with its area code, dash-separated."""
        area = self.rng.choice(["10", "21", "755", "571"])
        return f"0{area}-{self.rng.randrange(2, 9)}{self.rng.randrange(10**6, 10**7)}"

    def ipv4(self) -> str:
        """A public-looking IPv4 address."""
        return ".".join(str(self.rng.randrange(1, 255)) for _ in range(4))

    def ipv6(self) -> str:
        """An IPv6 address in the documentation range, compressed."""
        return f"2001:db8:{self.rng.randrange(16**4):x}::{self.rng.randrange(1, 16**4):x}"

    def bad_card(self) -> str:
        """A card number with one digit wrong after its issuer prefix."""
        number = self.card()
        return self.corrupt(number, range(2, len(number)))

    def pieces(self) -> list[tuple[str, Callable[[], Piece]]]:
        """(what, builder) pairs; each builder returns the text and its gold label."""
        rng = self.rng
        phone, card = EntityKind.PHONE.value, EntityKind.BANK_CARD.value
        ident, uscc, device = EntityKind.ID_NUMBER.value, EntityKind.USCC.value, "DEVICE"
        return [
            ("手机", lambda: (self.messy(self.mobile()), phone)),
            ("电话", lambda: ("+86 " + self.mobile(), phone)),
            ("phone", lambda: ("0086-" + self.mobile(), phone)),
            ("座机", lambda: (self.landline(), phone)),
            (
                "tel",
                lambda: (f"+44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}", phone),
            ),
            ("身份证", lambda: (self.messy(self.resident_id()), ident)),
            ("身份证", lambda: (self.corrupt(self.resident_id()), f"{ident}:invalid")),
            ("卡号", lambda: (self.messy(self.card()), card)),
            ("card", lambda: (self.bad_card(), f"{card}:invalid")),
            ("信用代码", lambda: (self.uscc(), uscc)),
            ("信用代码", lambda: (self.corrupt(self.uscc(), range(2, 8)), f"{uscc}:invalid")),
            ("IMEI", lambda: (self.imei(), device)),
            ("IMEI", lambda: (self.corrupt(self.imei()), f"{device}:invalid")),
            ("device", lambda: (str(uuid.UUID(int=rng.getrandbits(128))), device)),
            ("邮箱", lambda: (f"user{rng.randrange(999)}@example{rng.randrange(9)}.com", "EMAIL")),
            ("IP", lambda: (self.ipv4(), "IP")),
            ("IPv6", lambda: (self.ipv6(), "IP")),
            # Lookalikes: no identifier, nothing may be reported.
            ("订单号", lambda: (str(rng.randrange(10**13, 10**14)), None)),
            ("号码", lambda: ("12" + str(rng.randrange(10**8, 10**9)), None)),
            ("IP", lambda: (f"{rng.randrange(256, 999)}.1.2.3", None)),
            ("编号", lambda: (str(rng.randrange(10**9, 10**10)), None)),
        ]

    def generate(self, size: int = 2000) -> list[NerExample]:
        """``size`` sentences, each with one piece (valid, invalid or lookalike)."""
        pieces = self.pieces()
        examples = []
        for _ in range(size):
            what, build = self.rng.choice(pieces)
            value, label = build()
            template = self.rng.choice(_TEMPLATES)
            head, _, tail = template.partition("{value}")
            head = head.format(name=self.rng.choice(_NAMES), what=what)
            tail = tail.format(name=self.rng.choice(_NAMES), what=what)
            spans = () if label is None else ((len(head), len(head) + len(value), label),)
            examples.append(NerExample(head + value + tail, spans))
        return examples
