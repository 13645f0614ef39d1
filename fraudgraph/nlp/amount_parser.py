"""Money amounts in Chinese and English text: ``¥5,000``, ``3.5万元``, ``五万元``, ``USD 1.2m``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_CN_NUMERALS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"
_CN_VALUE = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3,
             "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
             "捌": 8, "九": 9, "玖": 9}  # fmt: skip
_CN_UNIT = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}

_MULTIPLIER = {"百万": Decimal(10**6), "千万": Decimal(10**7), "万": Decimal(10**4),
               "亿": Decimal(10**8), "千": Decimal(1000), "k": Decimal(1000), "K": Decimal(1000),
               "thousand": Decimal(1000), "million": Decimal(10**6), "m": Decimal(10**6),
               "M": Decimal(10**6), "billion": Decimal(10**9), "bn": Decimal(10**9)}  # fmt: skip
_CURRENCY = {
    "¥": "CNY", "￥": "CNY", "RMB": "CNY", "CNY": "CNY", "元": "CNY", "块钱": "CNY",
    "块": "CNY", "圆": "CNY", "人民币": "CNY", "yuan": "CNY", "$": "USD", "US$": "USD",
    "USD": "USD", "美元": "USD", "dollars": "USD", "dollar": "USD", "HK$": "HKD",
    "港币": "HKD", "港元": "HKD", "€": "EUR", "EUR": "EUR", "欧元": "EUR", "£": "GBP",
    "GBP": "GBP", "英镑": "GBP",
}  # fmt: skip

_PATTERN = re.compile(
    r"(?<![A-Za-z])(?P<pre>US\$|HK\$|RMB|CNY|USD|EUR|GBP|人民币|[¥￥$€£])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[" + _CN_NUMERALS + r"]+)"
    r"(?:\s?(?P<mult>百万|千万|万|亿|千|thousand|million|billion|bn|[kKmM](?![A-Za-z])))?"
    r"(?:\s?(?P<suf>元|块钱|块|圆|人民币|美元|港币|港元|欧元|英镑|RMB|CNY|USD|yuan|dollars?)"
    r"(?![A-Za-z]))?"
)


# Every amount has a currency sign, code or word (``pre`` or ``suf`` above): a text without
# any of them has no amount, and its numbers need not be scanned.
_CURRENCY_HINT = re.compile(
    r"US\$|HK\$|RMB|CNY|USD|EUR|GBP|人民币|[¥￥$€£]|元|块|圆|美元|港币|港元|欧元|英镑|yuan|dollar"
)


@dataclass(frozen=True, slots=True)
class Amount:
    """A money amount found in text."""

    start: int
    end: int
    value: Decimal
    currency: str

    @property
    def canonical(self) -> str:
        """``"50000.00 CNY"``: value with two decimals and the ISO currency code."""
        return f"{self.value.quantize(Decimal('0.01'))} {self.currency}"


class AmountParser:
    """Finds money amounts; a currency sign, code or word must be present."""

    def find(self, text: str) -> Iterator[Amount]:
        """Yield amounts in (folded) ``text``."""
        if not _CURRENCY_HINT.search(text):
            return
        for match in _PATTERN.finditer(text):
            pre, suf = match.group("pre"), match.group("suf")
            if not pre and not suf:
                continue
            value = self._number(match.group("num"))
            if value is None:
                continue
            mult = match.group("mult")
            if mult:
                value *= _MULTIPLIER[mult]
            currency = _CURRENCY[pre or suf]
            start = match.start("pre") if pre else match.start("num")
            yield Amount(start, match.end(), value, currency)

    @staticmethod
    def _number(text: str) -> Decimal | None:
        if text[0].isdigit():
            try:
                return Decimal(text.replace(",", ""))
            except InvalidOperation:
                return None
        return AmountParser.chinese_number(text)

    @staticmethod
    def chinese_number(text: str) -> Decimal | None:
        """Value of a Chinese numeral such as 三千五百 or 十二万 (None if malformed)."""
        total = section = digit = 0
        seen = False
        for char in text:
            if char in _CN_VALUE:
                digit, seen = _CN_VALUE[char], True
            elif char in _CN_UNIT:
                section += (digit or 1) * _CN_UNIT[char]
                digit, seen = 0, True
            elif char in _CN_BIG:
                total = (total + section + digit) * _CN_BIG[char]
                section = digit = 0
            else:
                return None
        return Decimal(total + section + digit) if seen else None
