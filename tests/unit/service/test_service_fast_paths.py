"""The request path's shortcuts give what the plain computations they replace give.

Each test holds the slow, obvious computation (the ``ipaddress`` module, the full matcher on
every call, the ``json`` module, ``prometheus_client``'s ``labels()``, ``dataclasses.replace``)
and checks the service's faster one against it on many inputs.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import random
from datetime import UTC, datetime
from pathlib import Path

from fraudgraph.nlp.extractor import IDENTIFIER_FIELD_KINDS, TextRecord
from fraudgraph.nlp.identifier_matcher import IdentifierMatcher
from fraudgraph.service.decision_engine import DecisionEngine, DecisionPolicy
from fraudgraph.service.event_codec import EventCodec
from fraudgraph.service.identifier_extractor import EXTRACTOR, VERSION, IdentifierExtractor
from fraudgraph.service.identifier_extractor import _is_private as is_private
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer import IdentifierRisk
from fraudgraph.service.scorer_holder import ScorerHolder
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.service.service_metrics import ServiceMetrics
from fraudgraph.types import (
    Action,
    Application,
    Decision,
    Entity,
    EntityKind,
    Product,
    Provenance,
    Transaction,
)


def test_private_ipv4_check_agrees_with_ipaddress() -> None:
    rng = random.Random(5)
    values = [rng.randrange(2**32) for _ in range(20_000)]
    for net in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
                "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16",
                "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4"):  # fmt: skip
        network = ipaddress.IPv4Network(net)
        first, last = int(network.network_address), int(network.broadcast_address)
        values += [first - 1, first, first + 1, first + 9, first + 170, first + 171, last, last + 1]
    values = [v for v in values if 0 <= v < 2**32]
    assert {is_private(v) for v in values} == {True, False}
    for value in values:
        assert is_private(value) == ipaddress.IPv4Address(value).is_private, value


def _field_texts() -> list[tuple[str, str]]:
    rng = random.Random(11)
    texts: list[tuple[str, str]] = []
    for _ in range(300):
        octets = [rng.choice([0, 10, 100, 127, 169, 172, 192, 198, 203, 240, 255, 8])]
        octets += [rng.randrange(256) for _ in range(3)]
        texts.append(("ip", ".".join(map(str, octets))))
        texts.append(("device_id", f"dev-{rng.randrange(100):06d}"))
        texts.append(("memo", f"转账 还款 139{rng.randrange(10**8):08d}"))
    texts += [("ip", t) for t in ("010.1.1.1", "256.1.1.1", " 10.0.0.1", "::1", "abc", " ")]
    devices = (
        "550e8400-e29b-41d4-a716-446655440000",
        "  Some Device 1 ",
        "356938035643809",
        "设备",
    )
    texts += [("device_id", t) for t in devices]
    texts += [("phone", t) for t in ("13800138000", "+86 138 0013 8000", "12345", "")]
    texts += [("memo", t) for t in ("货款", "邮箱 a.b@example.com 电话 13800138000", "")]
    texts += [("email", "A.B@Example.COM"), ("id_number", "11010519491231002X")]
    return texts


def _reference(matcher: IdentifierMatcher, record: TextRecord) -> list[Entity]:
    """The extractor's contract spelled out slowly: the full matcher on every text."""
    kind = IDENTIFIER_FIELD_KINDS.get(record.field)
    matches = [m for m in matcher.find(record.text) if kind is None or m.kind is kind]
    found = [
        Entity(m.kind, record.text[m.start : m.end], m.canonical, m.valid,
               Provenance(record.source_id, record.field, m.start, m.end, EXTRACTOR, VERSION,
                          m.confidence), m.attributes)
        for m in matches
    ]  # fmt: skip
    value = record.text.strip()
    if kind is None or found or not value:
        return found
    canonical = "".join(value.split())  # a value no pattern matched: kept as an opaque key
    valid = kind is EntityKind.DEVICE
    canonical = (
        canonical.lower() if kind in {EntityKind.DEVICE, EntityKind.EMAIL} else canonical.upper()
    )
    start = record.text.index(value)
    prov = Provenance(record.source_id, record.field, start, start + len(value), EXTRACTOR,
                      VERSION, 1.0 if valid else 0.5)  # fmt: skip
    return [
        Entity(kind, value, canonical, valid, prov, {} if valid else {"reason": "unrecognised"})
    ]


def test_cached_findings_equal_the_full_matcher_with_each_records_provenance() -> None:
    extractor, matcher = IdentifierExtractor(), IdentifierMatcher()
    texts = _field_texts()
    for round_ in range(2):  # the second round is answered from the cache
        records = [TextRecord(t, f"src-{round_}-{i}", f, None) for i, (f, t) in enumerate(texts)]
        got = extractor.extract_many(records)
        for record, entities in zip(records, got, strict=True):
            assert entities == _reference(matcher, record), record
            assert all(
                e.provenance is not None and e.provenance.source_id == record.source_id
                for e in entities
            )
    opaque = extractor.extract_many([TextRecord("  Some Device 1 ", "s", "device_id", None)])
    assert [(e.text, e.canonical, e.valid) for e in opaque[0]] == [
        ("Some Device 1", "somedevice1", True)
    ]
    assert len({id(e) for found in got for e in found}) == sum(map(len, got))  # not shared


def _records() -> list[Transaction | Application]:
    moment = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    return [
        Transaction(
            "t-1",
            "AC1",
            "AC2",
            1234.56,
            "CNY",
            moment,
            channel="app",
            device_id="dev-000001",
            ip="10.1.2.3",
            memo="转账 还款 13912345678",
        ),
        Transaction("t-2", "AC3", "AC4", 1e-05, "USD", moment, memo='引号 " 反斜杠 \\ \t'),
        Application(
            "a-1",
            "C1",
            Product.LOAN,
            moment,
            name="张三",
            id_number="11010519491231002X",
            phone="13800138000",
            email="a@b.cn",
            address="北京市",
            employer="某公司",
            income=12000.0,
            amount=1e12,
            device_id="dev-2",
            ip="192.168.0.1",
            channel="web",
            language="en",
            purpose="装修",
            remarks="无",
        ),
    ]


def test_event_and_decision_text_read_back_as_the_json_module_writes_them() -> None:
    extractor = IdentifierExtractor()
    old = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # the former encoder
    for record in _records():
        texts = [TextRecord(record.device_id, "s", "device_id", None),
                 TextRecord(record.ip, "s", "ip", None)]  # fmt: skip
        entities = [e for found in extractor.extract_many(texts) for e in found]
        text = EventCodec.encode_event(record, entities)
        body = json.loads(text)
        assert json.loads(old.encode(body)) == body
        assert "\\u" not in text  # non-ASCII text is written as is, as before
        assert EventCodec.decode_event(text) == (record, entities)
    decision = Decision("r-1", 0.812345, Action.BLOCK, (), "rules-1", "ring-9", 3.5)
    text = EventCodec.encode_decision(decision)
    assert json.loads(text) == json.loads(old.encode(json.loads(text)))
    assert EventCodec.decode_decision(text) == dataclasses.replace(decision, latency_ms=0.0)


def test_engine_rows_and_decisions_match_a_plain_recomputation(tmp_path: Path) -> None:
    """Same decisions, and outbox rows holding exactly the record, its entities and decision."""
    extractor = IdentifierExtractor()
    index = RiskIndex(hub_cap=50)
    index.replace_all({"Account:AC3": IdentifierRisk(ring_id="ring-1", ring_score=0.9)})
    eng = DecisionEngine(extractor, index, ScorerHolder(), Outbox(tmp_path / "o.sqlite"),
                         DecisionPolicy(0.5, 0.8, True))  # fmt: skip
    decided: dict[str, Decision] = {}
    for i, record in enumerate(_records() * 2):  # the second time, each id is replayed
        outcome = eng.decide(ScoringRequest(f"r-{i % 3}", record, f"h-{i % 3}"))
        assert outcome.replayed == (i >= 3)
        key = outcome.decision.request_id
        decided.setdefault(key, outcome.decision)
        assert dataclasses.replace(outcome.decision, latency_ms=0.0) == dataclasses.replace(
            decided[key], latency_ms=0.0
        )
    assert decided["r-1"].action is Action.BLOCK
    assert decided["r-1"].ring_id == "ring-1"
    rows = eng.outbox.pending(10)
    assert [r.request_id for r in rows] == ["r-0", "r-1", "r-2"]
    for row, record in zip(rows, _records(), strict=True):
        got_record, got_entities = EventCodec.decode_event(row.event)
        assert got_record == record
        assert got_entities == eng._entities(record)
        stored = EventCodec.decode_decision(row.decision)
        assert stored == dataclasses.replace(decided[row.request_id], latency_ms=0.0)


def test_cached_decision_counters_count_as_labels_does() -> None:
    metrics = ServiceMetrics()
    actions = [Action.ALLOW] * 5 + [Action.BLOCK] * 3 + [Action.REVIEW]
    for n, action in enumerate(actions):
        version = "rules-1" if n % 2 else "gnn-2"
        metrics.observe_decision(Decision(f"r{n}", 0.1, action, (), version))
    for action in Action:
        for version in ("rules-1", "gnn-2"):
            want = sum(
                1 for n, a in enumerate(actions)
                if a is action and ("rules-1" if n % 2 else "gnn-2") == version
            )  # fmt: skip
            got = metrics.registry.get_sample_value(
                "fraudgraph_decisions_total",
                {"action": action.value, "model_version": version},
            )
            assert (got or 0.0) == want


def test_noted_event_keeps_every_other_field_of_the_risk() -> None:
    risk = IdentifierRisk(links=3, ring_id="ring-4", ring_score=0.7, model_score=0.4, valid=False)
    assert all(getattr(risk, f.name) != f.default for f in dataclasses.fields(risk))
    index = RiskIndex(hub_cap=50)
    index.replace_all({"Phone:+86138": risk})
    index.note_event(["Phone:+86138"], "Customer:c9")
    assert index.lookup(["Phone:+86138"]) == {"Phone:+86138": dataclasses.replace(risk, links=4)}
