"""spaCy factories: character bigrams and the identifier component."""

from __future__ import annotations

import spacy

from fraudgraph.nlp.char_features import FACTORY as BIGRAMS
from fraudgraph.nlp.identifier_component import FACTORY as IDENTIFIERS
from fraudgraph.nlp.identifier_component import IdentifierComponent
from fraudgraph.nlp.label_map import kind_of_label
from fraudgraph.types import EntityKind


def test_char_bigrams_written_to_lemma() -> None:
    nlp = spacy.blank("zh")
    nlp.add_pipe(BIGRAMS)
    doc = nlp("中国银行")
    assert [token.lemma_ for token in doc] == ["中国", "国银", "银行", "行</s>"]


def test_identifier_component_with_kind_filter() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe(IDENTIFIERS, config={"kinds": ["PHONE"]})
    doc = nlp("tel:13912345678 mail a@b.cn")
    matches = IdentifierComponent.matches(doc)
    assert [(m.kind, doc.text[m.start : m.end]) for m in matches] == [
        (EntityKind.PHONE, "13912345678")
    ]
    assert IdentifierComponent.matches(spacy.blank("en")("no component ran")) == []


def test_label_map() -> None:
    assert kind_of_label("PERSON") is EntityKind.PERSON
    assert kind_of_label("NAME") is EntityKind.PERSON  # Resume
    assert kind_of_label("GPE.NAM") is EntityKind.LOCATION  # Weibo
    assert kind_of_label("company") is EntityKind.ORGANIZATION  # CLUENER
    assert kind_of_label("PHONE") is None  # identifiers come from the rules, not the NER
    assert kind_of_label("EDU") is None
