"""Identifier extraction from messy text: found, validated, spans exact."""

from __future__ import annotations

import pytest

from fraudgraph.nlp.evaluation_runner import EvaluationRunner
from fraudgraph.nlp.identifier_matcher import IdentifierMatch, IdentifierMatcher
from fraudgraph.types import EntityKind

MATCHER = IdentifierMatcher()


def find(text: str) -> list[IdentifierMatch]:
    return MATCHER.find(text)


@pytest.mark.parametrize(
    "written",
    [
        "13912345678",
        "139-1234-5678",
        "139 1234 5678",
        "+86 139 1234 5678",
        "+8613912345678",
        "0086 13912345678",
        "(+86)13912345678",
        "１３９１２３４５６７８",
        "一三九一二三四五六七八",
        "139转1234转5678",
        "139一二三四5678",
    ],
)
def test_messy_mobile_numbers_found_as_e164(written: str) -> None:
    text = f"请联系{written}，谢谢"
    found = find(text)
    assert [(m.kind, m.canonical, m.valid) for m in found] == [
        (EntityKind.PHONE, "+8613912345678", True)
    ]
    assert text[found[0].start : found[0].end].endswith(written[-4:])


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("010-62345678", "+861062345678"),
        ("(0755)8888 6666", "+8675588886666"),
        ("+86 10 6234 5678", "+861062345678"),
        ("+852 1234 5678", "+85212345678"),
        ("00852 12345678", "+85212345678"),
    ],
)
def test_landline_and_international(written: str, e164: str) -> None:
    found = find(f"tel {written} ok")
    assert [(m.kind, m.canonical) for m in found] == [(EntityKind.PHONE, e164)]


@pytest.mark.parametrize(
    "written",
    [
        "11010519491231002X",
        "11010519491231002x",
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２Ｘ",
    ],
)
def test_resident_id_forms(written: str) -> None:
    found = find(f"身份证号{written}")
    assert [(m.kind, m.canonical, m.valid) for m in found] == [
        (EntityKind.ID_NUMBER, "11010519491231002X", True)
    ]


def test_bracketed_prefix_inside_span_and_app_device_ids() -> None:
    text = "单位电话（０２３）７２５９３８１７，设备号web-8E3BD92A8C250917"
    phone, device = find(text)
    assert text[phone.start : phone.end] == "（０２３）７２５９３８１７"
    assert phone.canonical == "+862372593817"
    assert (device.kind, device.canonical) == (EntityKind.DEVICE, "web-8e3bd92a8c250917")


def test_invalid_checksum_id_kept_but_flagged() -> None:
    found = find("身份证110105194912310021")
    assert [(m.kind, m.valid) for m in found] == [(EntityKind.ID_NUMBER, False)]
    assert found[0].confidence < 1.0


def test_cards_uscc_devices_ips_emails() -> None:
    text = (
        "卡号6222 0212 3456 7890 128，信用代码91350100M000100Y43，IMEI 490154203237518，"
        "uuid 123E4567-E89B-12D3-A456-426614174000, ip 8.8.8.8 / 2001:db8::1, mail A.B@Example.COM"
    )
    found = {(m.kind, m.canonical, m.valid) for m in find(text)}
    luhn_ok = "6222021234567890128"
    from fraudgraph.nlp.checksums import luhn_valid

    assert luhn_valid(luhn_ok)
    assert found == {
        (EntityKind.BANK_CARD, luhn_ok, True),
        (EntityKind.USCC, "91350100M000100Y43", True),
        (EntityKind.DEVICE, "490154203237518", True),
        (EntityKind.DEVICE, "123E4567-E89B-12D3-A456-426614174000", True),
        (EntityKind.IP, "8.8.8.8", True),
        (EntityKind.IP, "2001:db8::1", True),
        (EntityKind.EMAIL, "a.b@example.com", True),
    }


@pytest.mark.parametrize(
    "text",
    [
        "订单号12345678901234",  # 14 digits: nothing
        "号码12912345678",  # no such mobile prefix
        "版本 300.1.2.3",  # not an IPv4 address
        "会议 12:30:45 开始",  # a time, not IPv6
        "编号1391234567",  # one digit short of a mobile
    ],
)
def test_lookalikes_not_reported(text: str) -> None:
    assert [m for m in find(text) if m.kind not in {EntityKind.AMOUNT, EntityKind.DATE}] == []


def test_near_miss_numbers_never_valid() -> None:
    found = find("卡号6222021234567890129 信用代码91350100M000100Y44")
    assert {(m.kind, m.valid) for m in found} == {
        (EntityKind.BANK_CARD, False),
        (EntityKind.USCC, False),
    }


def test_spans_point_into_original_text() -> None:
    text = "张三　电话：１３９－１２３４－５６７８；邮箱ｚｓ@ｑｑ.ｃｏｍ"
    for match in find(text):
        written = text[match.start : match.end]
        assert written
        assert written[0] not in "：；　"
    assert {m.kind for m in find(text)} == {EntityKind.PHONE, EntityKind.EMAIL}


def test_adversarial_set_goal() -> None:
    report = EvaluationRunner.identifiers(size=600, seed=11)
    assert report.extra["invalid_reported_valid"] == 0
    assert report.overall["f1"] >= 99.5
