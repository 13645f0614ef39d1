"""NER file readers and the strict span-level scorer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fraudgraph.nlp.corpus import NerCorpus, NerExample
from fraudgraph.nlp.ner_evaluator import NerEvaluator, prf


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["B-NAME", "M-NAME", "E-NAME", "O", "S-LOC"], [(0, 2, "NAME"), (4, 4, "LOC")]),
        (["B-PER", "I-PER", "B-PER", "O"], [(0, 1, "PER"), (2, 2, "PER")]),
        (["I-ORG", "I-ORG", "O", "I-LOC", "B-LOC"], [(0, 1, "ORG"), (3, 3, "LOC"), (4, 4, "LOC")]),
        (["I-ORG", "I-LOC"], [(0, 0, "ORG"), (1, 1, "LOC")]),
        (["O", "O"], []),
    ],
)
def test_tags_to_spans(tags: list[str], spans: list[tuple[int, int, str]]) -> None:
    assert NerCorpus.tags_to_spans(tags) == spans


def test_weibo_columns_strip_digit(tmp_path: Path) -> None:
    path = tmp_path / "w.conll"
    path.write_text("张0\tB-PER.NAM\n三1\tI-PER.NAM\n好0\tO\n\n北0\tB-GPE.NAM\n京1\tI-GPE.NAM\n")
    examples = NerCorpus.read_columns(path, strip_digit=True)
    assert examples == [
        NerExample("张三好", ((0, 2, "PER.NAM"),)),
        NerExample("北京", ((0, 2, "GPE.NAM"),)),
    ]


def test_english_columns_with_docstart(tmp_path: Path) -> None:
    path = tmp_path / "sec.txt"
    path.write_text("-DOCSTART- -X- O O\n\nSilicon NNP - I-ORG\nValley NNP - I-ORG\nBank NNP - O\n")
    (example,) = NerCorpus.read_columns(path, joiner=" ")
    assert example.text == "Silicon Valley Bank"
    assert [example.text[s:e] for s, e, _ in example.spans] == ["Silicon Valley"]


def test_cluener_end_is_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    record = {
        "text": "浙商银行叶老桂",
        "label": {"company": {"浙商银行": [[0, 3]]}, "name": {"叶老桂": [[4, 6]]}},
    }
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n")
    (example,) = NerCorpus.read_cluener(path)
    assert [(example.text[s:e], label) for s, e, label in example.spans] == [
        ("浙商银行", "company"),
        ("叶老桂", "name"),
    ]


def test_relabel_drops_unmapped() -> None:
    examples = [NerExample("abc", ((0, 1, "NAME"), (1, 2, "EDU")))]
    assert NerCorpus.relabel(examples, {"NAME": "PERSON"}) == [
        NerExample("abc", ((0, 1, "PERSON"),))
    ]


def test_strict_micro_f1() -> None:
    gold = [NerExample("x", ((0, 2, "A"), (3, 5, "B"))), NerExample("y", ((0, 1, "A"),))]
    predicted = [[(0, 2, "A"), (3, 4, "B")], [(0, 1, "A"), (2, 3, "B")]]
    overall, per_type = NerEvaluator().score(gold, predicted)
    assert (overall.correct, overall.predicted, overall.support) == (2, 4, 3)
    assert overall.f1 == pytest.approx(2 * 50 * (200 / 3) / (50 + 200 / 3))
    assert per_type["A"].f1 == 100.0
    assert per_type["B"].f1 == 0.0


def test_prf_handles_empty() -> None:
    assert prf(0, 0, 0).f1 == 0.0
