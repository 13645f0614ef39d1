"""Phones, amounts, dates and the length-preserving text folder."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudgraph.nlp.amount_parser import AmountParser
from fraudgraph.nlp.date_parser import DateParser
from fraudgraph.nlp.phone_parser import PhoneParser
from fraudgraph.nlp.text_folder import TextFolder


@pytest.mark.parametrize(
    ("digits", "international", "expected"),
    [
        ("13912345678", False, "+8613912345678"),
        ("8613912345678", False, "+8613912345678"),
        ("008613912345678", False, "+8613912345678"),
        ("8613912345678", True, "+8613912345678"),
        ("01062345678", False, "+861062345678"),
        ("057187654321", False, "+8657187654321"),
        ("14155552671", True, "+14155552671"),
    ],
)
def test_phone_parser(digits: str, international: bool, expected: str) -> None:
    parsed = PhoneParser().parse(digits, international=international)
    assert parsed is not None
    assert parsed.e164 == expected


@pytest.mark.parametrize("digits", ["12912345678", "1391234567", "01012345678", "0012"])
def test_phone_parser_rejects(digits: str) -> None:
    assert PhoneParser().parse(digits) is None


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("借款5万元", "50000.00 CNY"),
        ("¥3,200.50", "3200.50 CNY"),
        ("五万元整", "50000.00 CNY"),
        ("三千五百元", "3500.00 CNY"),
        ("USD 1.2 million", "1200000.00 USD"),
        ("pay $500", "500.00 USD"),
        ("人民币5000元", "5000.00 CNY"),
        ("5k RMB", "5000.00 CNY"),
    ],
)
def test_amounts(text: str, canonical: str) -> None:
    found = list(AmountParser().find(text))
    assert [amount.canonical for amount in found] == [canonical]


def test_plain_number_is_no_amount() -> None:
    assert list(AmountParser().find("我有3个孩子 and 12 cats")) == []


def test_chinese_numbers() -> None:
    assert AmountParser.chinese_number("十二万") == Decimal(120000)
    assert AmountParser.chinese_number("一亿零五十") == Decimal(100000050)
    assert AmountParser.chinese_number("abc") is None


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024年3月5日", "2024-03-05"),
        ("2024-03-05", "2024-03-05"),
        ("2024/3/5", "2024-03-05"),
        ("January 27, 1999", "1999-01-27"),
        ("27 Jan 1999", "1999-01-27"),
    ],
)
def test_dates(text: str, iso: str) -> None:
    found = list(DateParser().find(f"on {text}."))
    assert max(found, key=lambda d: d.end - d.start).iso == iso


def test_impossible_date_not_reported() -> None:
    assert list(DateParser().find("2023-02-30")) == []


@settings(deadline=None, max_examples=60)
@given(
    st.text(alphabet=st.sampled_from("0123456789１２３一二三四五六七八九零 -电话abc"), max_size=40)
)
def test_folding_preserves_length(text: str) -> None:
    assert len(TextFolder().fold(text)) == len(text)


def test_folding_reads_long_numeral_runs_only() -> None:
    folder = TextFolder()
    assert folder.fold("一三九一二三四五六七八") == "13912345678"
    assert folder.fold("我一个人三四天") == "我一个人三四天"
    assert folder.fold("ＡＢＣ１２３") == "ABC123"
