"""The public NER data sets parse into the sizes their README states."""

from __future__ import annotations

from pathlib import Path

import pytest

from fraudgraph.nlp.corpus import NerCorpus
from fraudgraph.nlp.dataset_catalog import DatasetCatalog

pytestmark = pytest.mark.datasets


@pytest.mark.parametrize(
    ("name", "train", "dev"),
    [("resume", 3821, 463), ("cluener", 9673, 1075), ("address", 8957, 2985)],
)
def test_split_sizes(datasets_dir: Path, name: str, train: int, dev: int) -> None:
    train_part, dev_part = DatasetCatalog(datasets_dir).splits(name)
    assert (len(train_part), len(dev_part)) == (train, dev)


def test_weibo_digits_stripped_and_types(datasets_dir: Path) -> None:
    train, _ = DatasetCatalog(datasets_dir).splits("weibo")
    labels = {label for example in train for _, _, label in example.spans}
    assert {"PER.NAM", "PER.NOM", "ORG.NAM", "LOC.NAM", "GPE.NAM"} <= labels
    assert not any(ch.isdigit() for example in train[:50] for ch in example.text[:3])


def test_sec_holdout_is_stable_and_disjoint(datasets_dir: Path) -> None:
    catalog = DatasetCatalog(datasets_dir)
    train, dev = catalog.splits("sec")
    _, again_dev = catalog.splits("sec")
    assert dev == again_dev
    assert len(dev) == pytest.approx(0.2 * (len(train) + len(dev)), abs=1)
    whole = NerCorpus.read_columns(datasets_dir / DatasetCatalog.spec("sec").train, joiner=" ")
    assert sorted(map(repr, train + dev)) == sorted(map(repr, whole))


def test_spans_inside_text(datasets_dir: Path) -> None:
    catalog = DatasetCatalog(datasets_dir)
    for name in DatasetCatalog.names():
        train, _ = catalog.splits(name)
        for example in train[:200]:
            for start, end, _ in example.spans:
                assert 0 <= start < end <= len(example.text)
