"""The fast extraction paths give the answers of the reference code they replace.

The NER fast path (``CachedTok2Vec`` + ``GreedyNer``) is compared with spaCy's own tok2vec and
NER on the shipped models; the rule shortcuts (minimum digit count, currency and date hints)
with the full scans they skip.
"""

from __future__ import annotations

import random
import re
from typing import Any

import numpy
import pytest
import spacy

from fraudgraph.nlp import amount_parser, char_features, date_parser, text_folder
from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.amount_parser import AmountParser
from fraudgraph.nlp.cached_tok2vec import CachedTok2Vec
from fraudgraph.nlp.char_tokens import CharTokens
from fraudgraph.nlp.date_parser import DateParser
from fraudgraph.nlp.extractor import DEFAULT_MODELS_DIR, EntityExtractor, TextRecord
from fraudgraph.nlp.greedy_ner import GreedyNer
from fraudgraph.nlp.identifier_corpus import IdentifierCorpus
from fraudgraph.nlp.identifier_matcher import IdentifierMatcher
from fraudgraph.nlp.text_folder import TextFolder
from fraudgraph.types import EntityKind

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰")
EMPLOYERS = ("杭州数云科技有限公司", "深圳市前海金融服务有限公司", "上海浦东发展银行")
PLACES = ("浙江省杭州市西湖区文三路", "广东省深圳市南山区科技园南路", "上海市浦东新区世纪大道")
ZH_MEMOS = (
    "本人在{employer}工作，月收入{income}元，联系人{contact}，电话{phone}。",
    "经朋友{contact}介绍办理，还款卡号{card}，备用手机{phone}",
    "转账给{contact} 房租 {income}元",
    "如有问题请联系我的同事{contact}，电话 {phone}",
    "单位地址：{place}{number}号{building}栋，{contact}担保",
    "{contact}",
    "",
    "   ",
)
EN_MEMOS = (
    "Applicant works at Acme Trading Ltd as a manager; reference {contact_en}, phone {phone}.",
    "Transfer to {contact_en} for rent, card {card}",
    "Loan for {contact_en}, employer Global Logistics Inc, 12 Baker Street London",
    "ok",
)


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    ids = IdentifierCorpus(seed)
    texts = []
    for n in range(count):
        memo = rng.choice(ZH_MEMOS if n % 3 else EN_MEMOS)
        texts.append(
            memo.format(
                employer=rng.choice(EMPLOYERS),
                income=rng.randrange(3000, 50000),
                contact=rng.choice(SURNAMES) + rng.choice(GIVEN),
                contact_en=rng.choice(("Wang Wei", "Li Fang", "John Smith", "Mary Jones")),
                phone=ids.messy(ids.mobile()),
                card=ids.messy(ids.card()),
                place=rng.choice(PLACES),
                number=rng.randrange(1, 999),
                building=rng.randrange(1, 30),
            )
        )
    return texts


@pytest.fixture(scope="module")
def shipped() -> EntityExtractor:
    return EntityExtractor.load()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_greedy_decoder_takes_spacys_decisions(shipped: EntityExtractor, lang: str) -> None:
    nlp = shipped.pipelines[lang]
    ner: Any = nlp.get_pipe("ner")
    assert GreedyNer.supports(ner)
    texts = _texts(400, seed=11)
    docs = list(nlp.pipe(texts, batch_size=64, disable=["ner"]))
    decoder = GreedyNer(ner)
    fast = [found for _, found in decoder.pipe_spans(docs, batch_size=64)]
    reference = [
        [(ent.start, ent.end, ent.label_) for ent in doc.ents]
        for doc in ner.pipe(docs, batch_size=64)
    ]
    assert fast == reference
    labels = {label for found in reference for _, _, label in found}
    assert "PERSON" in labels
    assert sum(map(len, reference)) > 100


def test_greedy_decoder_sets_ents_like_spacy(shipped: EntityExtractor) -> None:
    nlp = shipped.pipelines["zh"]
    texts = ["转账给王伟 房租 3000元", "", "李娜在杭州数云科技有限公司工作"]
    decoder = GreedyNer(nlp.get_pipe("ner"))
    fast = list(decoder.pipe(nlp.pipe(texts, disable=["ner"])))
    reference = list(nlp.pipe(texts))
    for mine, theirs in zip(fast, reference, strict=True):
        assert [(e.start_char, e.end_char, e.label_) for e in mine.ents] == [
            (e.start_char, e.end_char, e.label_) for e in theirs.ents
        ]
        assert [t.ent_iob_ for t in mine] == [t.ent_iob_ for t in theirs]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cached_tok2vec_matches_tok2vec(shipped: EntityExtractor, lang: str) -> None:
    nlp = shipped.pipelines[lang]
    tok2vec: Any = nlp.get_pipe("tok2vec")
    assert CachedTok2Vec.supports(tok2vec)
    docs = list(nlp.pipe(["", *_texts(300, seed=5)], disable=["tok2vec", "ner"]))
    reference = tok2vec.predict(docs)
    cached = CachedTok2Vec(tok2vec)
    first = cached.predict(docs)
    rows = len(cached._index)
    again = cached.predict(docs[::-1])[::-1]  # every embedding now comes from the cache
    assert len(cached._index) == rows
    for expected, got, repeat in zip(reference, first, again, strict=True):
        assert got.shape == expected.shape == repeat.shape
        numpy.testing.assert_allclose(got, expected, atol=1e-4)
        numpy.testing.assert_allclose(repeat, expected, atol=1e-4)


def test_cached_tok2vec_bounded_cache_starts_afresh(shipped: EntityExtractor) -> None:
    nlp = shipped.pipelines["zh"]
    tok2vec: Any = nlp.get_pipe("tok2vec")
    docs = list(nlp.pipe(_texts(50, seed=8), disable=["tok2vec", "ner"]))
    cached = CachedTok2Vec(tok2vec, rows=40)
    for doc, expected in zip(docs, tok2vec.predict(docs), strict=True):
        (got,) = cached.predict([doc])
        numpy.testing.assert_allclose(got, expected, atol=1e-4)
    assert len(cached._index) <= max(40, max(len(doc) for doc in docs))


def _records(count: int, seed: int) -> list[TextRecord]:
    rng = random.Random(seed)
    ids = IdentifierCorpus(seed)
    records = []
    for n, memo in enumerate(_texts(count, seed)):
        source = f"app-{n}"
        records += [
            TextRecord(rng.choice(SURNAMES) + rng.choice(GIVEN), source, "name"),
            TextRecord(ids.messy(ids.resident_id()), source, "id_number"),
            TextRecord(ids.messy(ids.mobile()), source, "phone"),
            TextRecord(rng.choice(PLACES) + f"{rng.randrange(1, 999)}号", source, "address"),
            TextRecord(ids.ipv4(), source, "ip"),
            TextRecord(memo, source, "remarks"),
        ]
    return records


def test_fast_extractor_matches_reference(shipped: EntityExtractor) -> None:
    reference = EntityExtractor(shipped.pipelines, shipped.canonicaliser, fast_ner=False)
    records = _records(300, seed=21)
    fast = shipped.extract_many(records, batch_size=128)
    expected = reference.extract_many(records, batch_size=128)
    assert fast == expected
    kinds = {entity.kind for entities in expected for entity in entities}
    assert {EntityKind.PERSON, EntityKind.PHONE, EntityKind.ID_NUMBER} <= kinds


def test_address_model_fast_path_matches_reference() -> None:
    fast = AddressParser.load(DEFAULT_MODELS_DIR / "zh_address")
    if fast.model is None:
        pytest.skip("no address model shipped")
    reference = AddressParser(fast.model, fast=False)
    # Addresses the rule fast path refuses: they all reach the model.
    addresses = [
        "杭州西湖区文三路一百号",
        "深圳南山科技园南路18号创业大厦3楼",
        "上海市世纪大道100号",
        "北京朝阳区建国路",
        "浙江省杭州市余杭区仓前街道梦想小镇5幢",
        "No. 12 Wensan Road, Hangzhou",
    ]
    fast.prepare(addresses)
    reference.prepare(addresses)
    assert [fast.parse(a) for a in addresses] == [reference.parse(a) for a in addresses]
    assert any(reference.parse(a) for a in addresses)


def test_short_digit_runs_have_no_reading() -> None:
    """The matcher skips joins shorter than the shortest identifier: none of them reads."""
    matcher = IdentifierMatcher()
    rng = random.Random(4)
    prefixes = ("", "0", "00", "86", "1", "13", "010", "0086")
    for length in range(1, 10):
        for _ in range(200):
            digits = (rng.choice(prefixes) + "".join(rng.choices("0123456789", k=length)))[:length]
            for international in (False, True):
                minimum = 8 if international else 10
                if len(digits) < minimum:
                    reading = matcher._read_digits(digits, international, "IMEI 设备")
                    assert reading is None, (digits, international)
                    if length < 9:
                        assert matcher._read_digits(digits + "X", international, "") is None


_HINT_TEXTS = (
    "月收入¥5,000，另有3.5万元奖金", "五万元", "USD 1.2m", "price 12 dollars", "HK$300",
    "房租 41193元", "2024年3月5日入职", "2023-02-30", "since March 5, 2021", "5th May 2020",
    "电话 13912345678", "159.53.128.175", "no numbers here", "房租 三千五百块钱", "€20",
    "2019/7/1 至 2020年8月", "Mayday 12 2020", "sept 9 1999", "1999 2000 2001",
)  # fmt: skip


def test_currency_hint_skips_only_texts_without_amounts(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = AmountParser()
    hinted = [list(parser.find(text)) for text in _HINT_TEXTS]
    monkeypatch.setattr(amount_parser, "_CURRENCY_HINT", re.compile(""))  # always scan
    assert hinted == [list(parser.find(text)) for text in _HINT_TEXTS]
    assert sum(map(len, hinted)) >= 8


def test_date_hints_skip_only_texts_without_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = DateParser()
    hinted = [list(parser.find(text)) for text in _HINT_TEXTS]
    everything = re.compile("")
    monkeypatch.setattr(date_parser, "_HINTS", (everything,) * len(date_parser._PATTERNS))
    assert hinted == [list(parser.find(text)) for text in _HINT_TEXTS]
    assert sum(map(len, hinted)) >= 5


def test_plain_ipv4_shortcut_matches_the_full_scan() -> None:
    matcher = IdentifierMatcher()
    ids = IdentifierCorpus(9)
    values = [ids.ipv4() for _ in range(300)] + [
        "999.1.1.1", "1.2.3.256", "01.02.03.004", " 10.0.0.1 ", "192.168.001.1", "0.0.0.0",
        "255.255.255.255", "139.123.45.678", "8.8.8.8\n", "1.1.1", "1.2.3.4.5",
    ]  # fmt: skip
    found = 0
    for value in values:
        full = [match for match in matcher.find(value) if match.kind is EntityKind.IP]
        assert matcher.find_kind(value, EntityKind.IP) == full, value
        found += len(full)
    assert found >= 300


def test_batches_cut_by_tokens_give_the_same_answers(
    shipped: EntityExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fraudgraph.nlp import cached_tok2vec

    # One cap, in doc_batches, cuts the batches of both the encoder and the decoder.
    monkeypatch.setattr(cached_tok2vec, "MAX_BATCH_TOKENS", 60)
    nlp = shipped.pipelines["zh"]
    texts = _texts(60, seed=13)
    reference = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(texts)]
    tok2vec: Any = nlp.get_pipe("tok2vec")
    docs = nlp.pipe(texts, disable=["tok2vec", "ner"])
    tensors = CachedTok2Vec(tok2vec).pipe(docs, batch_size=1000)
    decoder = GreedyNer(nlp.get_pipe("ner"))
    fast = [found for _, found in decoder.pipe_spans(tensors, batch_size=1000)]
    assert fast == reference
    assert sum(map(len, reference)) > 10


def test_char_tokens_make_the_docs_of_spacys_char_segmenter(shipped: EntityExtractor) -> None:
    tokenizer = shipped.pipelines["zh"].tokenizer
    assert CharTokens.supports(tokenizer)
    assert not CharTokens.supports(shipped.pipelines["en"].tokenizer)
    fast = CharTokens(tokenizer)
    # Runs of every kind of whitespace spaCy treats differently (a plain space after a token,
    # other or longer runs, leading and trailing ones), combining marks and astral characters.
    pieces = ["王", "a", "1", " ", "  ", "\n", "\u3000", "\t", "\u00a0", "\x1c", "e\u0301", "😀"]
    rng = random.Random(11)
    texts = ["", " ", "王伟", " 王 伟  ", *_texts(50, seed=3)]
    texts += ["".join(rng.choices(pieces, k=rng.randrange(1, 14))) for _ in range(3000)]
    for text in texts:
        got, expected = fast(text), tokenizer(text)
        assert [(t.text, t.whitespace_) for t in got] == [(t.text, t.whitespace_) for t in expected]
        assert got.text == text


def test_extractor_builds_chinese_docs_with_char_tokens(shipped: EntityExtractor) -> None:
    assert set(shipped._tokenizers) == {"zh"}
    reference = EntityExtractor(shipped.pipelines, shipped.canonicaliser, fast_ner=False)
    assert not reference._tokenizers
    texts = ["转账给王伟  房租 3000元", "\u3000联系人 李芳\n电话13912345678 ", "  "]
    records = [TextRecord(text, f"s{n}", "remarks", "zh") for n, text in enumerate(texts)]
    assert shipped.extract_many(records) == reference.extract_many(records)


def test_folder_numeral_shortcut_matches_the_full_fold() -> None:
    """Texts without a Chinese numeral skip the numeral pass: it would change nothing."""
    folder = TextFolder()
    rng = random.Random(5)
    pieces = ["一", "三", "零", "〇", "幺", "九", "1", "２", " ", "-", "号", "元", "ａ"]
    for _ in range(2000):
        text = "".join(rng.choices(pieces, k=rng.randrange(0, 16)))
        half = TextFolder.to_half_width(text)
        assert folder.fold(text) == text_folder._DIGIT_RUN.sub(folder._fold_numerals, half)


def test_char_bigram_memo_writes_the_joined_texts() -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe(char_features.FACTORY)
    rng = random.Random(8)
    texts = ["".join(rng.choices("中国银行王伟 a1", k=rng.randrange(1, 9))) for _ in range(300)]
    for text in texts * 2:  # the second round reads every pair from the memo
        tokens = [token.text for token in nlp.make_doc(text)]
        expected = [a + b for a, b in zip(tokens, [*tokens[1:], char_features.END], strict=True)]
        assert [token.lemma_ for token in nlp(text)] == expected


def test_unique_rows_match_numpy_unique() -> None:
    rng = numpy.random.default_rng(6)
    for _ in range(100):
        values = rng.integers(0, 2**64, size=int(rng.integers(1, 12)), dtype=numpy.uint64)
        rows, columns = int(rng.integers(1, 300)), int(rng.integers(1, 5))
        ids = values[rng.integers(0, len(values), size=(rows, columns))]
        expected, inverse = numpy.unique(ids, axis=0, return_inverse=True)
        got, got_inverse = CachedTok2Vec._unique_rows(ids)
        numpy.testing.assert_array_equal(got, expected)
        numpy.testing.assert_array_equal(got_inverse, inverse.reshape(-1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_decoder_on_encoded_batches_takes_spacys_decisions(
    shipped: EntityExtractor, lang: str
) -> None:
    """The lower layer run once per distinct token vector decides as spaCy's tok2vec + NER."""
    nlp = shipped.pipelines[lang]
    ner: Any = nlp.get_pipe("ner")
    decoder = GreedyNer(ner)
    assert decoder.takes_encoded
    encoder = CachedTok2Vec(nlp.get_pipe("tok2vec"))
    texts = ["", "  ", *_texts(400, seed=13)]
    bare = list(nlp.pipe(texts, batch_size=64, disable=["tok2vec", "ner"]))
    fast = [found for _, found in decoder.pipe_encoded(bare, encoder, batch_size=64)]
    reference = [
        [(ent.start, ent.end, ent.label_) for ent in doc.ents]
        for doc in nlp.pipe(texts, batch_size=64)
    ]
    assert fast == reference
    assert sum(map(len, reference)) > 100
    assert [found for _, found in decoder.pipe_encoded([bare[0]], encoder)] == [[]]
