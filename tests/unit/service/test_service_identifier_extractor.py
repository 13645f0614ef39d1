"""The service's identifier extractor: its IP shortcut gives exactly what the matcher gives."""

from __future__ import annotations

import random

import pytest

from fraudgraph.nlp.extractor import TextRecord
from fraudgraph.nlp.identifier_matcher import IdentifierMatcher
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.types import EntityKind


def _ips(count: int) -> list[str]:
    rng = random.Random(3)
    wide = [".".join(str(rng.randrange(1000)) for _ in range(4)) for _ in range(count)]
    usual = [".".join(str(rng.randrange(256)) for _ in range(4)) for _ in range(count)]
    edges = ["0.0.0.0", "255.255.255.255", "256.1.1.1", "010.1.1.1", "1.1.1.01", "127.0.0.1",
             "192.168.1.1", "172.31.255.255", "8.8.8.8", "100.64.0.1", "192.0.0.170"]  # fmt: skip
    return edges + wide + usual


def test_ip_field_shortcut_matches_the_full_matcher() -> None:
    matcher = IdentifierMatcher()
    declined, texts = 0, _ips(1000)
    for text in texts:
        full = [m for m in matcher.find(text) if m.kind is EntityKind.IP]
        shortcut = IdentifierExtractor._plain_ip(text)
        if shortcut is None:  # declined (then the matcher is asked): no address there either
            assert full == [], text
            declined += 1
        else:
            assert shortcut == full, text
    assert 0 < declined < len(texts)  # both paths were exercised


@pytest.mark.parametrize(
    "text", ["10.0.0.1 ", " 10.0.0.1", "10.0.0.1.5", "::1", "2001:db8::1", "１０.0.0.1", "a.b.c.d"]
)
def test_anything_but_a_plain_ipv4_goes_to_the_matcher(text: str) -> None:
    assert IdentifierExtractor._plain_ip(text) is None


def test_extracted_ip_entities_are_the_same_with_and_without_the_shortcut() -> None:
    extractor = IdentifierExtractor()
    for text in ["10.37.48.94", "300.1.1.1", "010.1.1.1", "2001:db8::1"]:
        record = TextRecord(text, "t1", "ip", None)
        [entities] = extractor.extract_many([record])
        matched = [m for m in IdentifierMatcher().find(text) if m.kind is EntityKind.IP]
        if matched:
            assert [(e.kind, e.canonical, e.valid) for e in entities] == [
                (m.kind, m.canonical, m.valid) for m in matched
            ]
            assert entities[0].attributes == matched[0].attributes
        else:  # not an address: kept as an invalid IP, as before
            assert [(e.kind, e.valid) for e in entities] == [(EntityKind.IP, False)]


def _device_like(count: int) -> list[str]:
    rng = random.Random(5)
    alphabet = "0123456789abcdefABCDEF-_:. xyzIMEI"
    texts = [f"dev-{rng.randrange(50000):06d}" for _ in range(count)]
    for _ in range(count):
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))))
    edges = ["dev-0123456789ab", "ios-deadbeef", "490154203237518", "imei 490154203237518",
             "A1B2C3D4-E5F6-1234-5678-9ABCDEF01234", "设备-123", "ｄｅｖ-0123456789ab"]  # fmt: skip
    return texts + edges


def test_device_shortcut_only_answers_when_the_matcher_finds_no_device() -> None:
    matcher = IdentifierMatcher()
    answered, texts = 0, _device_like(3000)
    for text in texts:
        shortcut = IdentifierExtractor._no_device(text)
        if shortcut is not None:
            assert shortcut == []
            assert [m for m in matcher.find(text) if m.kind is EntityKind.DEVICE] == [], text
            answered += 1
    assert 0 < answered < len(texts)  # both paths were exercised


@pytest.mark.parametrize(
    ("text", "valid"), [("dev-009886", True), ("dev-0123456789ab", True), ("490154203237518", True)]
)
def test_device_field_entities_keep_their_canonical_key(text: str, valid: bool) -> None:
    [entities] = IdentifierExtractor().extract_many([TextRecord(text, "t1", "device_id", None)])
    full = [m for m in IdentifierMatcher().find(text) if m.kind is EntityKind.DEVICE]
    expected = [m.canonical for m in full] or [text.lower()]  # an unmatched id stays opaque
    assert [e.canonical for e in entities] == expected
    assert all(e.kind is EntityKind.DEVICE and e.valid is valid for e in entities)
