"""The training-lexicon feature component: building, features, saving with the model."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.training import Example

from fraudgraph.nlp.char_features import FACTORY as BIGRAMS
from fraudgraph.nlp.char_lexicon import FACTORY, CharLexiconFeatures


def lexicon(**settings: int) -> CharLexiconFeatures:
    values = {"max_length": 6, "entity_min_count": 2, "ngram_min_count": 3, "ngram_max_length": 3}
    return CharLexiconFeatures("lexicon", **{**values, **settings})


def test_build_keeps_repeated_entities_and_frequent_ngrams() -> None:
    texts = ["在北京大学读书", "北京大学毕业", "去北京玩"]
    entities = ["北京大学", "北京大学", "上海交通大学", "x"]
    words = lexicon().build(texts, entities)
    assert "北京大学" in words  # a gold entity seen twice
    assert "上海交通大学" not in words  # seen once: unseen text has such entities too
    assert "北京" in words  # an n-gram seen three times
    assert "大学" not in words  # seen twice only
    assert "x" not in words  # single characters are no words


def test_features_mark_longest_word_starting_and_ending() -> None:
    component = lexicon()
    component.words = frozenset({"中国", "中国银行", "银行", "有限公司"})
    starts, ends = component.features(list("中国银行有限公司"))
    assert starts == ["B:中国银行", "-", "B:银行", "-", "B:有限公司", "-", "-", "-"]
    assert ends == ["-", "E:中国", "-", "E:中国银行", "-", "-", "-", "E:有限公司"]


def test_words_longer_than_max_length_are_ignored() -> None:
    component = lexicon(max_length=3)
    component.words = frozenset({"有限公司"})
    assert component.features(list("有限公司")) == (["-"] * 4, ["-"] * 4)


def test_pipeline_initialises_from_examples_and_round_trips(tmp_path: Path) -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe(BIGRAMS)
    nlp.add_pipe(FACTORY, "char_lexicon", config={"entity_min_count": 1, "ngram_min_count": 99})
    sentences = [("张三在招商银行工作", [(3, 7, "ORG")]), ("李四", [(0, 2, "NAME")])]
    examples = [
        Example.from_dict(nlp.make_doc(text), {"entities": [(*span,) for span in spans]})
        for text, spans in sentences
    ]
    nlp.initialize(lambda: examples)
    doc = nlp("我去招商银行")
    assert doc[2].norm_ == "B:招商银行"
    assert doc[5].tag_ == "E:招商银行"
    assert doc[0].lemma_ == "我去"  # the bigram component still runs
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    component = loaded.get_pipe("char_lexicon")
    assert isinstance(component, CharLexiconFeatures)
    assert component.words == frozenset({"招商银行", "李四"})
    assert loaded("招商银行")[0].norm_ == "B:招商银行"
