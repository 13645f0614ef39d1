"""The public extraction API: provenance, structured fields, batching, the shipped models."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudgraph.errors import InvalidInputError
from fraudgraph.nlp.extractor import DEFAULT_MODELS_DIR, EntityExtractor, TextRecord
from fraudgraph.nlp.language import detect_language
from fraudgraph.types import EntityKind


@pytest.fixture(scope="module")
def rules_only(tmp_path_factory: pytest.TempPathFactory) -> EntityExtractor:
    """An extractor without NER models: identifiers and field rules only (fast)."""
    return EntityExtractor.load(tmp_path_factory.mktemp("no-models"))


@pytest.fixture(scope="module")
def shipped() -> EntityExtractor:
    return EntityExtractor.load()


def test_provenance_spans_point_at_the_mention(rules_only: EntityExtractor) -> None:
    text = "联系人电话：１３９-１２３４-５６７８，身份证110105194912310021，借款5万元"
    entities = rules_only.extract(text, source_id="app-1", field="remarks")
    assert [e.kind for e in entities] == [EntityKind.PHONE, EntityKind.ID_NUMBER, EntityKind.AMOUNT]
    for entity in entities:
        assert entity.provenance is not None
        assert text[entity.provenance.start : entity.provenance.end] == entity.text
        assert entity.provenance.source_id == "app-1"
        assert entity.provenance.field == "remarks"
        assert entity.provenance.extractor
        assert entity.provenance.version
    phone, id_number, _ = entities
    assert phone.canonical == "+8613912345678"
    assert not id_number.valid


def test_structured_fields(rules_only: EntityExtractor) -> None:
    (name,) = rules_only.extract(" Li  Wei ", source_id="a", field="name")
    assert (name.kind, name.canonical, name.attributes["romanised"]) == (
        EntityKind.PERSON,
        "li wei",
        "liwei",
    )
    assert name.provenance is not None
    assert (name.provenance.start, name.provenance.end) == (1, 8)
    (address,) = rules_only.extract("杭州市西湖区文三路100号", source_id="a", field="address")
    assert address.kind is EntityKind.ADDRESS
    assert "road=文3路" in address.canonical
    (bad_phone,) = rules_only.extract("12345", source_id="a", field="phone")
    assert (bad_phone.kind, bad_phone.valid) == (EntityKind.PHONE, False)
    (device,) = rules_only.extract("Dev-9F3A", source_id="a", field="device_id")
    assert (device.canonical, device.valid) == ("dev-9f3a", True)
    assert rules_only.extract("   ", source_id="a", field="name") == []


def test_extract_many_keeps_order(rules_only: EntityExtractor) -> None:
    records = [
        TextRecord("call 13912345678", "a", "remarks"),
        TextRecord("王芳", "b", "name"),
        TextRecord("邮箱 x@y.cn", "c", "remarks"),
        TextRecord("", "d", "remarks"),
    ]
    results = rules_only.extract_many(records)
    assert [[e.kind for e in r] for r in results] == [
        [EntityKind.PHONE],
        [EntityKind.PERSON],
        [EntityKind.EMAIL],
        [],
    ]
    assert [r[0].provenance.source_id for r in results[:3] if r[0].provenance] == ["a", "b", "c"]


def test_unknown_language_rejected(rules_only: EntityExtractor) -> None:
    with pytest.raises(InvalidInputError):
        rules_only.extract("bonjour", source_id="a", field="remarks", language="fr")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("我在杭州工作", "zh"),
        ("I work in Hangzhou", "en"),
        ("转账给张三 for rent", "zh"),
        ("", "en"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_shipped_zh_model_finds_person_and_organisation(shipped: EntityExtractor) -> None:
    text = "张伟于2018年加入中国工商银行股份有限公司，担任客户经理。"
    entities = shipped.extract(text, source_id="s", field="remarks")
    kinds = {(e.kind, e.text) for e in entities}
    assert (EntityKind.PERSON, "张伟") in kinds
    assert any(kind is EntityKind.ORGANIZATION and "工商银行" in t for kind, t in kinds)
    assert all(e.provenance and e.provenance.extractor for e in entities)


def test_shipped_en_model_finds_person_and_organisation(shipped: EntityExtractor) -> None:
    text = (
        "Applicant works at Chongqing Tianyu Real Estate Development Co. Ltd as a manager; "
        "reference Wang Wei, phone 13912345678."
    )
    entities = shipped.extract(text, source_id="s", field="remarks")
    found = {(e.kind, e.text) for e in entities}
    assert (EntityKind.PERSON, "Wang Wei") in found
    assert (EntityKind.ORGANIZATION, "Chongqing Tianyu Real Estate Development Co. Ltd") in found
    assert (EntityKind.PHONE, "13912345678") in found


def test_models_dir_default_is_in_repo() -> None:
    assert Path(__file__).resolve().parents[3] / "nlp" / "models" == DEFAULT_MODELS_DIR


def test_cache_overflow_keeps_texts_cached_before_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call mixing cached and new texts that overflows the free-text cache clears it; the
    texts cached before the call must be recomputed, not lost (was a KeyError in bulk ingest)."""
    import fraudgraph.nlp.extractor as extractor_module

    monkeypatch.setattr(extractor_module, "CACHE_SIZE", 3)
    extractor = EntityExtractor.load(tmp_path)
    first = [TextRecord("call 13912345678", "a", "remarks", "zh")]
    extractor.extract_many(first)
    mixed = first + [
        TextRecord(f"邮箱 user{i}@example.cn 电话 1391234567{i}", f"n{i}", "remarks", "zh")
        for i in range(4)
    ]
    results = extractor.extract_many(mixed)
    assert [e.kind for e in results[0]] == [EntityKind.PHONE]
    assert all(
        {e.kind for e in found} == {EntityKind.EMAIL, EntityKind.PHONE} for found in results[1:]
    )
