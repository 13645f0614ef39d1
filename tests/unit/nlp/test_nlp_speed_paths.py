"""The throughput shortcuts give the same answers as the slow paths they replace."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy
import pytest
import spacy
from thinc.api import NumpyOps

from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.blas_ops import BlasOps
from fraudgraph.nlp.extractor import EntityExtractor, TextRecord
from fraudgraph.nlp.identifier_matcher import IdentifierMatch, IdentifierMatcher


@pytest.mark.parametrize(("trans1", "trans2"), [(False, False), (True, False), (False, True)])
def test_blas_gemm_matches_numpy_ops(trans1: bool, trans2: bool) -> None:
    rng = numpy.random.default_rng(3)
    x: Any = rng.standard_normal((7, 5)).astype("float32")
    y: Any = rng.standard_normal((5, 4) if not trans2 else (4, 5)).astype("float32")
    if trans1:
        x = numpy.ascontiguousarray(x.T)
    expected: Any = NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2)
    got: Any = BlasOps().gemm(x, y, trans1=trans1, trans2=trans2)
    numpy.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    out: Any = numpy.zeros_like(expected)
    returned: Any = BlasOps().gemm(x, y, out=out, trans1=trans1, trans2=trans2)
    assert returned is out
    numpy.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_blas_ops_installed_in_every_model_node() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    nlp.initialize()
    assert BlasOps.install(nlp) > 0
    ner: Any = nlp.get_pipe("ner")
    assert all(isinstance(node.ops, BlasOps) for node in ner.model.walk())
    assert BlasOps.install(nlp) == 0  # already done


class _CountingModel:
    """Stands in for the statistical address model and records what reaches it."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._blank = spacy.blank("zh")

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        for text in texts:
            self.seen.append(text)
            yield self._blank.make_doc(text)


def test_well_formed_addresses_take_the_rule_path() -> None:
    model = _CountingModel()
    parser = AddressParser(model)  # type: ignore[arg-type]
    rules = AddressParser()
    address = "陕西省西安市鄠邑区幸福路142号17栋1单元2106室"
    assert parser.parse(address) == rules.parse(address)
    assert parser.parse(address)["district"] == "鄠邑区"
    assert model.seen == []


@pytest.mark.parametrize(
    "address",
    [
        "鄠邑区人民大道380号22栋4单元2602室",  # no province or city to anchor the district
        "成都市新都区团结路272号19-5-706",  # dash-separated units: not read to the end
        "浙江省杭州市西湖区文三路一百号",  # Chinese numerals
        "Room 2203, Unit 2, Building 28, No. 5 Tuanjie Road, Yinzhou District, Ningbo",
    ],
)
def test_other_addresses_go_to_the_model(address: str) -> None:
    model = _CountingModel()
    AddressParser(model).parse(address)  # type: ignore[arg-type]
    assert model.seen == [address]


class _CountingMatcher:
    """Wraps the identifier matcher and counts the texts it is asked to read."""

    def __init__(self, matcher: IdentifierMatcher) -> None:
        self._matcher = matcher
        self.texts: list[str] = []

    def find(self, text: str) -> list[IdentifierMatch]:
        self.texts.append(text)
        return self._matcher.find(text)


class _RefusingPipeline:
    """Stands in for a blank pipeline that must not be run (no NER: no Doc needed)."""

    def __init__(self, nlp: Any) -> None:
        self.pipe_names = nlp.pipe_names
        self.meta = nlp.meta

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Any]:
        raise AssertionError("a pipeline without NER was run")


def test_repeated_free_text_runs_once_with_each_records_provenance(tmp_path: Path) -> None:
    extractor = EntityExtractor.load(tmp_path)  # blank pipelines: identifiers only
    counting = _CountingMatcher(extractor.matcher)
    extractor.matcher = counting  # type: ignore[assignment]
    extractor.pipelines["zh"] = _RefusingPipeline(extractor.pipelines["zh"])  # type: ignore[assignment]
    memo = "转账 还款 电话13912345678"
    records = [TextRecord(memo, f"T{n}", "memo", "zh") for n in range(3)]
    first = extractor.extract_many(records)
    again = extractor.extract_many([TextRecord(memo, "T9", "memo", "zh")])
    assert counting.texts == [memo]
    expected = [(e.kind, e.canonical) for e in again[0]]
    for number, entities in zip((0, 1, 2), first, strict=True):
        assert [(e.kind, e.canonical) for e in entities] == expected
        assert entities
        assert {e.provenance.source_id for e in entities if e.provenance} == {f"T{number}"}
    assert {e.provenance.source_id for e in again[0] if e.provenance} == {"T9"}
    phone = first[0][0]
    assert phone.canonical == "+8613912345678"
    assert phone.provenance is not None
    assert memo[phone.provenance.start : phone.provenance.end] == phone.text
