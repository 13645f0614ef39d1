"""The Doc-free NER path and the cross-batch encoder caches give the answers of the Doc path."""

from __future__ import annotations

import random
from typing import Any

import numpy
import pytest
from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START

from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.cached_tok2vec import CachedTok2Vec, text_batches
from fraudgraph.nlp.char_arrays import CharArrays
from fraudgraph.nlp.extractor import DEFAULT_MODELS_DIR, EntityExtractor, TextRecord
from fraudgraph.nlp.greedy_ner import GreedyNer
from fraudgraph.nlp.identifier_corpus import IdentifierCorpus

MEMOS = (
    "转账给{name} 房租 {amount}元",
    "本人在杭州数云科技有限公司工作，联系人{name}，电话{phone}。",
    "Applicant works at 上海浦东发展银行 as a manager; reference {name}, phone {phone}.",
    "经朋友{name}介绍办理，还款卡号{phone}",
)
# Whitespace of every kind the char segmenter treats differently, astral and combining
# characters, NUL, Latin letters (bigrams such as "X" + next are vocabulary symbols).
PIECES = ("王", "伟", "a", "X", "1", " ", "  ", "\n", "\u3000", "\t", "\x00", "e\u0301", "😀")


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    ids = IdentifierCorpus(seed)
    texts = []
    for n in range(count):
        if n % 4 == 3:
            texts.append("".join(rng.choices(PIECES, k=rng.randrange(0, 12))))
            continue
        memo = rng.choice(MEMOS)
        texts.append(
            memo.format(
                name=rng.choice("王李张刘") + rng.choice(("伟", "秀英", "娜")),
                amount=rng.randrange(3000, 50000),
                phone=ids.messy(ids.mobile()),
            )
        )
    return texts


@pytest.fixture(scope="module")
def shipped() -> EntityExtractor:
    return EntityExtractor.load()


def _doc_arrays(shipped: EntityExtractor, text: str) -> tuple[Any, ...]:
    nlp = shipped.pipelines["zh"]
    doc = nlp.get_pipe("char_bigrams")(shipped._tokenizers["zh"](text))
    encoder = shipped._encoders["zh"]
    flags = doc.to_array([IS_SPACE, SENT_START])
    bounds = doc.to_array([IDX, LENGTH])
    return (
        doc.to_array(encoder.columns).reshape(len(doc), len(encoder.columns)),
        flags[:, 0] != 0,
        flags[:, 1] == 1,
        bounds[:, 0].tolist(),
        (bounds[:, 0] + bounds[:, 1]).tolist(),
    )


def test_char_arrays_equal_the_arrays_of_the_docs(shipped: EntityExtractor) -> None:
    assert set(shipped._arrays) == {"zh"}
    arrays = CharArrays(shipped.pipelines["zh"], shipped._encoders["zh"].columns)
    texts = ["", "王", " 王", "王 ", "王  伟", *_texts(400, seed=3)]
    for batch in (texts, texts[:5], [text for text in texts if " " not in text], texts[::-1]):
        got = arrays(batch)
        assert got.lengths.tolist() == [len(shipped._tokenizers["zh"](t)) for t in batch]
        expected = [_doc_arrays(shipped, text) for text in batch]
        numpy.testing.assert_array_equal(got.features, numpy.concatenate([e[0] for e in expected]))
        numpy.testing.assert_array_equal(got.space, numpy.concatenate([e[1] for e in expected]))
        numpy.testing.assert_array_equal(
            got.sent_start, numpy.concatenate([e[2] for e in expected])
        )
        assert got.starts == [start for e in expected for start in e[3]]
        assert got.ends == [end for e in expected for end in e[4]]
    for empty in ([], [" "], [""]):  # no text, no plain text, no token
        assert arrays(empty).lengths.tolist() == [len(shipped._tokenizers["zh"](t)) for t in empty]
    assert arrays._code_pairs  # both paths ran: plain texts ...
    assert arrays._pairs  # ... and the others


def test_decoder_on_arrays_takes_the_decisions_of_the_doc_path(shipped: EntityExtractor) -> None:
    nlp = shipped.pipelines["zh"]
    ner: Any = nlp.get_pipe("ner")
    decoder = GreedyNer(ner)
    texts = [" ", *_texts(300, seed=7)]
    docs = list(nlp.pipe(texts, batch_size=64, disable=["ner"]))
    reference = [[(e.start, e.end, e.label_) for e in doc.ents] for doc in ner.pipe(docs)]
    arrays = CharArrays(nlp, shipped._encoders["zh"].columns)
    encoder = CachedTok2Vec(nlp.get_pipe("tok2vec"))
    found = []
    for batch in text_batches(texts, 64):
        tokens = arrays(batch)
        encoded = encoder.encode_features(tokens.features, tokens.lengths)
        spans = decoder.predict_arrays(tokens.lengths, tokens.space, tokens.sent_start, encoded)
        found += [[(s, e, decoder.labels[label]) for s, e, label in doc] for doc in spans]
    assert found == reference
    assert sum(map(len, reference)) > 50
    empty = arrays(["", ""])
    assert decoder.predict_arrays(empty.lengths, empty.space, empty.sent_start, None) == [[], []]


def test_encoder_caches_across_batches_match_tok2vec(shipped: EntityExtractor) -> None:
    nlp = shipped.pipelines["zh"]
    tok2vec: Any = nlp.get_pipe("tok2vec")
    docs = list(nlp.pipe(_texts(240, seed=9), disable=["tok2vec", "ner"]))
    reference = tok2vec.predict(docs)
    cached = CachedTok2Vec(tok2vec)
    got = []
    for start in range(0, len(docs), 40):  # later batches reuse the windows of earlier ones
        got += cached.predict(docs[start : start + 40])
    computed = list(cached._sizes)
    again = cached.predict(docs[::-1])[::-1]  # everything now comes from the caches
    assert cached._sizes == computed
    # Each block computed fewer windows than there are token rows: contexts repeat.
    assert computed[-1] < sum(len(doc) for doc in docs)
    for expected, first, repeat in zip(reference, got, again, strict=True):
        numpy.testing.assert_allclose(first, expected, atol=1e-4)
        numpy.testing.assert_allclose(repeat, expected, atol=1e-4)


def test_encoder_refuses_limits_whose_keys_would_overflow(shipped: EntityExtractor) -> None:
    tok2vec: Any = shipped.pipelines["zh"].get_pipe("tok2vec")
    with pytest.raises(ValueError, match="cached rows"):
        CachedTok2Vec(tok2vec, rows=1 << 20)


def test_text_batches_cut_by_count_and_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    from fraudgraph.nlp import cached_tok2vec

    monkeypatch.setattr(cached_tok2vec, "MAX_BATCH_TOKENS", 10)
    texts = ["abcd", "efghij", "k", "", "lmnopqrstuvw", "x"]
    batches = list(text_batches(texts, 3))
    assert [text for batch in batches for text in batch] == texts
    assert batches == [["abcd", "efghij"], ["k", "", "lmnopqrstuvw"], ["x"]]


def test_extractor_array_path_matches_the_reference(shipped: EntityExtractor) -> None:
    reference = EntityExtractor(shipped.pipelines, shipped.canonicaliser, fast_ner=False)
    assert not reference._arrays
    texts = _texts(200, seed=12)
    records = [TextRecord(text, f"s{n}", "remarks", "zh") for n, text in enumerate(texts)]
    fast = shipped.extract_many(records, batch_size=50)
    expected = reference.extract_many(records, batch_size=50)
    assert fast == expected
    assert sum(map(len, expected)) > 100


def test_encoder_tables_stay_within_their_limit(shipped: EntityExtractor) -> None:
    nlp = shipped.pipelines["zh"]
    tok2vec: Any = nlp.get_pipe("tok2vec")
    docs = list(nlp.pipe(_texts(160, seed=4), disable=["tok2vec", "ner"]))
    reference = tok2vec.predict(docs)
    cached = CachedTok2Vec(tok2vec, rows=1500)
    cleared = 0
    for start in range(0, len(docs), 10):
        before = sum(cached._sizes)
        got = cached.predict(docs[start : start + 10])
        cleared += sum(cached._sizes) < before
        assert max(len(table) for table in cached._tables) <= 1501
        for expected, vectors in zip(reference[start : start + 10], got, strict=True):
            numpy.testing.assert_allclose(vectors, expected, atol=1e-4)
    assert cleared >= 1  # the limit was reached and the caches started afresh


def test_address_model_reads_docs_made_by_char_tokens() -> None:
    fast = AddressParser.load(DEFAULT_MODELS_DIR / "zh_address")
    if fast.model is None:
        pytest.skip("no address model shipped")
    assert fast._tokenizer is not None
    reference = AddressParser(fast.model, fast=False)
    assert reference._tokenizer is None
    # Addresses the rule fast path refuses, with whitespace of every kind inside.
    addresses = [
        "杭州西湖区文三路一百号", "深圳南山  科技园南路18号 创业大厦3楼", "上海市\t世纪大道100号",
        "北京朝阳区建国路 88号\nSOHO现代城", "浙江省杭州市余杭区 仓前街道 梦想小镇5幢",
        "No. 12 Wensan Road,  Hangzhou", "福州马尾区观音桥路278号1栋4单元505室",
    ]  # fmt: skip
    fast.prepare(addresses)
    reference.prepare(addresses)
    assert [fast.parse(a) for a in addresses] == [reference.parse(a) for a in addresses]
    assert sum(len(reference.parse(a)) for a in addresses) > 10
