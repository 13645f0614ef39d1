"""The logic of ``fraudgraph nlp eval``: pick data and model, predict, score.

Models are chosen in this order: an explicit ``--model``; a native-label model of the data set
under ``<models_dir>/nlp/<name>`` (made by ``fraudgraph nlp train --target <name>``); the
shipped model of the language, in which case gold labels are mapped to entity kinds and types
with no kind are left out (the report says ``"labels": "entity kinds"``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudgraph.errors import InvalidInputError, NotFoundError
from fraudgraph.nlp.corpus import NerCorpus, NerExample, Span
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.extractor import DEFAULT_MODELS_DIR
from fraudgraph.nlp.identifier_corpus import IdentifierCorpus
from fraudgraph.nlp.identifier_matcher import IdentifierMatcher
from fraudgraph.nlp.label_map import NER_KINDS
from fraudgraph.nlp.language import detect_language
from fraudgraph.nlp.ner_evaluator import NerEvaluator
from fraudgraph.types import EntityKind

if TYPE_CHECKING:
    from spacy.language import Language

IDENTIFIERS = "identifiers"
# Amounts and dates are found too but are not part of the adversarial identifier set.
_NOT_SCORED = {"AMOUNT", "DATE"}


@dataclass(slots=True)
class EvalReport:
    """Result of one evaluation, JSON-ready through :meth:`as_dict`."""

    dataset: str
    model: str
    labels: str
    sentences: int
    overall: dict[str, float | int]
    per_type: dict[str, dict[str, float | int]]
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for ``json.dumps``."""
        return {
            "dataset": self.dataset,
            "model": self.model,
            "labels": self.labels,
            "sentences": self.sentences,
            "overall": self.overall,
            "per_type": self.per_type,
            **self.extra,
        }


class EvaluationRunner:
    """Evaluates NER models and the identifier matcher on named or given data."""

    def __init__(self, datasets_root: Path, trained_dir: Path, shipped_dir: Path | None = None):
        self.catalog = DatasetCatalog(datasets_root)
        self.trained_dir = trained_dir
        self.shipped_dir = shipped_dir or DEFAULT_MODELS_DIR

    def run(
        self, dataset: str, model: Path | None = None, language: str | None = None
    ) -> EvalReport:
        """Evaluate on ``dataset``: a known name, ``identifiers``, or a file path.

        ``language`` picks the records of a synthetic annotations file (default: detected).
        """
        if dataset == IDENTIFIERS:
            return self.identifiers()
        if dataset in DatasetCatalog.names():
            _, dev = self.catalog.splits(dataset)
            spec = DatasetCatalog.spec(dataset)
            return self._ner(dataset, dev, spec.language, spec.to_kind, model, dataset)
        path = Path(dataset)
        if not path.is_file():
            raise NotFoundError(
                f"{dataset!r} is neither a data set name ({', '.join(DatasetCatalog.names())}, "
                f"{IDENTIFIERS}) nor a file"
            )
        examples = self._read_file(path, language)
        if not examples:
            raise InvalidInputError(f"no sentences in {path}", field="dataset")
        language = language or detect_language("".join(ex.text for ex in examples[:50]))
        return self._ner(str(path), examples, language, None, model, None)

    @staticmethod
    def _read_file(path: Path, language: str | None) -> list[NerExample]:
        if path.suffix in {".json", ".jsonl"}:
            with path.open(encoding="utf-8") as handle:
                first = handle.readline()
            if '"entities"' in first:
                # A synthetic world's annotations: score the named kinds the NER predicts.
                kinds = {kind.value: kind.value for kind in NER_KINDS}
                records = NerCorpus.read_annotations(path, language or "zh")
                return NerCorpus.relabel(records, kinds)
            return NerCorpus.read_cluener(path)
        columns = path.read_text(encoding="utf-8").split("\n", 1)[0].split()
        joiner = "" if columns and len(columns[0]) == 1 and not columns[0].isascii() else " "
        return NerCorpus.read_columns(path, joiner=joiner)

    def _choose_model(self, name: str | None, language: str, model: Path | None) -> Path:
        """The model to evaluate (see the module docstring for the order)."""
        if model is not None:
            return model
        if name == "address":
            return self.shipped_dir / "zh_address"
        if name is not None and (self.trained_dir / name / "meta.json").is_file():
            return self.trained_dir / name
        return self.shipped_dir / language

    def _ner(
        self,
        name: str,
        gold: list[NerExample],
        language: str,
        to_kind: dict[str, str] | None,
        model: Path | None,
        dataset_name: str | None,
    ) -> EvalReport:
        import spacy

        import fraudgraph.nlp.char_features  # noqa: F401  registers factories used by the models
        from fraudgraph.nlp import crf_ner_component  # noqa: F401  the CRF models' factory

        path = self._choose_model(dataset_name, language, model)
        if not (path / "meta.json").is_file():
            raise NotFoundError(f"no NER model at {path}; run `fraudgraph nlp train` first")
        nlp: Language = spacy.load(path)
        # A model predicting entity kinds is scored against gold mapped to kinds.
        kinds = {kind.value for kind in EntityKind}
        labels: tuple[str, ...] = getattr(nlp.get_pipe("ner"), "labels", ())
        native = not set(labels) <= kinds
        if not native and to_kind is not None:
            gold = NerCorpus.relabel(gold, to_kind)
        started = time.perf_counter()
        predicted: list[list[Span]] = [
            [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
            for doc in nlp.pipe((ex.text for ex in gold), batch_size=128)
        ]
        seconds = time.perf_counter() - started
        overall, per_type = NerEvaluator().score(gold, predicted)
        return EvalReport(
            name,
            str(path),
            "native" if native else "entity kinds",
            len(gold),
            overall.as_dict(),
            {label: value.as_dict() for label, value in per_type.items()},
            {"chars_per_second": round(sum(len(ex.text) for ex in gold) / max(seconds, 1e-9))},
        )

    @staticmethod
    def identifiers(size: int = 3000, seed: int = 2024) -> EvalReport:
        """Score the matcher on the generated adversarial identifier set."""
        gold = IdentifierCorpus(seed).generate(size)
        matcher = IdentifierMatcher()
        predicted: list[list[Span]] = []
        invalid_as_valid = 0
        for example in gold:
            spans = [
                (m.start, m.end, m.kind.value if m.valid else f"{m.kind.value}:invalid")
                for m in matcher.find(example.text)
                if m.kind.value not in _NOT_SCORED
            ]
            valid_gold = {(s, e) for s, e, label in example.spans if ":" not in label}
            invalid_as_valid += sum(
                1 for s, e, label in spans if ":" not in label and (s, e) not in valid_gold
            )
            predicted.append(spans)
        overall, per_type = NerEvaluator().score(gold, predicted)
        return EvalReport(
            IDENTIFIERS,
            "IdentifierMatcher",
            "KIND / KIND:invalid",
            len(gold),
            overall.as_dict(),
            {label: value.as_dict() for label, value in per_type.items()},
            {"invalid_reported_valid": invalid_as_valid, "seed": seed},
        )
