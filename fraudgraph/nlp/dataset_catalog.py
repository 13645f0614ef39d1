"""The public NER data sets fraudgraph knows by name, with their splits and label mappings."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fraudgraph.errors import NotFoundError
from fraudgraph.nlp.corpus import NerCorpus, NerExample
from fraudgraph.types import EntityKind

Reader = Callable[[Path], list[NerExample]]

_PERSON = EntityKind.PERSON.value
_ORG = EntityKind.ORGANIZATION.value
_LOC = EntityKind.LOCATION.value
_ADDR = EntityKind.ADDRESS.value
_TITLE = EntityKind.TITLE.value


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """Where a data set lives and how its labels map onto fraudgraph's entity kinds.

    ``train``/``dev`` are paths relative to the datasets root; when ``dev`` is None the dev
    split is the last ``holdout`` fraction of a seeded shuffle of train.
    """

    name: str
    language: str
    train: str
    dev: str | None
    reader: Reader
    to_kind: dict[str, str]
    holdout: float = 0.1


def _zh_columns(path: Path) -> list[NerExample]:
    return NerCorpus.read_columns(path, joiner="")


def _weibo(path: Path) -> list[NerExample]:
    return NerCorpus.read_columns(path, joiner="", strip_digit=True)


def _en_columns(path: Path) -> list[NerExample]:
    return NerCorpus.read_columns(path, joiner=" ")


_SPECS = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "resume",
            "zh",
            "nlp/zh/resume/train.char.bmes",
            "nlp/zh/resume/dev.char.bmes",
            _zh_columns,
            {"NAME": _PERSON, "ORG": _ORG, "TITLE": _TITLE, "LOC": _LOC, "CONT": _LOC},
        ),
        DatasetSpec(
            "weibo",
            "zh",
            "nlp/zh/weibo/train.conll",
            "nlp/zh/weibo/dev.conll",
            _weibo,
            {"PER.NAM": _PERSON, "ORG.NAM": _ORG, "LOC.NAM": _LOC, "GPE.NAM": _LOC},
        ),
        DatasetSpec(
            "cluener",
            "zh",
            "nlp/zh/cluener/train.json",
            None,
            NerCorpus.read_cluener,
            {
                "name": _PERSON,
                "company": _ORG,
                "organization": _ORG,
                "government": _ORG,
                "address": _ADDR,
                "position": _TITLE,
            },
        ),
        DatasetSpec(
            "address",
            "zh",
            "nlp/zh/address/train.txt",
            "nlp/zh/address/dev.txt",
            _zh_columns,
            {},
        ),
        DatasetSpec(
            "sec",
            "en",
            "nlp/en/sec-loan-agreements/train.FIN5.txt",
            None,
            _en_columns,
            {"PER": _PERSON, "ORG": _ORG, "LOC": _LOC},
            holdout=0.2,
        ),
        DatasetSpec(
            "wnut17",
            "en",
            "nlp/en/wnut17/train.conll",
            "nlp/en/wnut17/dev.conll",
            _en_columns,
            {"person": _PERSON, "corporation": _ORG, "location": _LOC, "group": _ORG},
        ),
    )
}


class DatasetCatalog:
    """Looks up named data sets under a datasets root and yields their train/dev splits."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def names() -> list[str]:
        """Names accepted by :meth:`spec`."""
        return sorted(_SPECS)

    @staticmethod
    def spec(name: str) -> DatasetSpec:
        """The spec of data set ``name``; NotFoundError for unknown names."""
        try:
            return _SPECS[name]
        except KeyError:
            raise NotFoundError(
                f"unknown NER data set {name!r}; known: {', '.join(sorted(_SPECS))}"
            ) from None

    def available(self, name: str) -> bool:
        """True when the train file of ``name`` exists under the root."""
        return (self.root / self.spec(name).train).is_file()

    def splits(self, name: str, seed: int = 13) -> tuple[list[NerExample], list[NerExample]]:
        """(train, dev) examples with the data set's native labels."""
        spec = self.spec(name)
        path = self.root / spec.train
        if not path.is_file():
            raise NotFoundError(f"data set {name!r} not found at {path}")
        train = spec.reader(path)
        if spec.dev is not None:
            return train, spec.reader(self.root / spec.dev)
        # Seeded shuffle so the held-out part is the same on every machine and every run.
        order = list(range(len(train)))
        random.Random(seed).shuffle(order)
        cut = int(len(order) * (1 - spec.holdout))
        return [train[i] for i in order[:cut]], [train[i] for i in order[cut:]]
