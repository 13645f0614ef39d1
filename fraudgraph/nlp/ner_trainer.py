"""Trains the spaCy NER pipelines from the public data sets (and the synthetic world, if any).

The trainer converts examples to ``DocBin`` files and runs spaCy's own training loop on a
config from ``nlp/configs``, so ``spacy train`` and ``fraudgraph nlp train`` give the same model.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from fraudgraph.errors import ModelError
from fraudgraph.nlp.corpus import NerExample

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "nlp" / "configs"


@dataclass(frozen=True, slots=True)
class TrainingPlan:
    """What to train: the config, its overrides and where the finished model goes.

    ``keep`` picks the model that is copied out: ``"best"`` (highest score on the dev examples
    given to :meth:`NerTrainer.train`) or ``"last"`` (after exactly ``max_steps`` steps, for
    recipes whose dev examples are only a monitor and must not select the model).
    """

    config: Path
    output: Path
    language: str
    max_steps: int = 6000
    eval_frequency: int = 400
    name: str = "pipeline"
    version: str = "0.1.0"
    keep: Literal["best", "last"] = "best"
    overrides: dict[str, object] = field(default_factory=dict)


class NerTrainer:
    """Runs one spaCy training job from in-memory examples."""

    def __init__(self, plan: TrainingPlan) -> None:
        self.plan = plan

    def train(self, train: Sequence[NerExample], dev: Sequence[NerExample]) -> Path:
        """Train, copy the kept model (see :class:`TrainingPlan`) to ``plan.output``; return it."""
        from spacy.cli.train import train as spacy_train

        import fraudgraph.nlp.char_features  # noqa: F401  registers the factory for the config

        work = self.plan.output.parent / f".{self.plan.output.name}-work"
        work.mkdir(parents=True, exist_ok=True)
        train_path = self.to_docbin(train, work / "train.spacy")
        dev_path = self.to_docbin(dev, work / "dev.spacy")
        overrides: dict[str, object] = {
            "paths.train": str(train_path),
            "paths.dev": str(dev_path),
            "training.max_steps": self.plan.max_steps,
            "training.eval_frequency": self.plan.eval_frequency,
            **self.plan.overrides,
        }
        spacy_train(self.plan.config, work / "run", overrides=overrides)
        kept = work / "run" / f"model-{self.plan.keep}"
        if not kept.is_dir():
            raise ModelError(f"spaCy training produced no model under {kept}")
        if self.plan.output.exists():
            shutil.rmtree(self.plan.output)
        shutil.copytree(kept, self.plan.output)
        shutil.rmtree(work)
        self._stamp(self.plan.output / "meta.json")
        return self.plan.output

    def _stamp(self, meta_path: Path) -> None:
        """Name and version the model so provenance can say which model found an entity."""
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta.update(name=self.plan.name, version=self.plan.version)
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")

    def to_docbin(self, examples: Sequence[NerExample], path: Path) -> Path:
        """Write ``examples`` as a DocBin; spans that do not align to tokens are dropped."""
        import spacy
        from spacy.tokens import DocBin
        from spacy.util import filter_spans

        nlp = spacy.blank(self.plan.language)
        bin_ = DocBin(store_user_data=False)
        for example in examples:
            doc = nlp.make_doc(example.text)
            spans = [
                span
                for start, end, label in example.spans
                if (span := doc.char_span(start, end, label, alignment_mode="contract")) is not None
                and len(span) > 0
            ]
            doc.ents = filter_spans(spans)
            bin_.add(doc)
        bin_.to_disk(path)
        return path
