"""The recipes behind ``fraudgraph nlp train``: which data goes into which shipped model.

* ``zh``: Chinese NER for PERSON / ORGANIZATION / LOCATION / ADDRESS / TITLE from Resume,
  Weibo and CLUENER (train splits only, labels mapped to entity kinds) plus the synthetic
  world's Chinese annotations when present.
* ``en``: English NER from the SEC loan agreements and WNUT-17 (+ synthetic English).
* ``zh_address``: the address-component parser (native labels of the address corpus).
* any data set name (``resume``, ``weibo`` ...): a model with that set's native labels, for
  comparing with published figures.

The shipped ``zh``/``en`` keep the best model on the (label-mapped) dev splits. Models scored on
a data set's own dev split (``zh_address`` and the native-label models) are trained for a fixed
number of steps chosen up front and keep the last model: the dev split never selects them, and
the score spaCy prints while training is on a seeded sample of the training split (a monitor).

Recipes with ``trainer="crf"`` (now ``resume`` and ``address``) train the BiLSTM-CRF of
:class:`CrfTrainer` for a fixed number of epochs instead (also keeping the last model). A crf
config with ``bigram_vectors = true`` also pretrains bigram vectors on the same unlabelled
training-split text (:meth:`CrfVocab.bigrams_of` of each text).

A recipe with ``char_vectors`` first pretrains character vectors on the training-split text of
every available Chinese data set (:class:`CharVectorPretrainer`; dev text is never used) and
hands them to the config's ``[initialize] vectors``. The configs were compared on dev at a few
fixed step counts (native-label CNN, the deeper CNN, each with and without the vectors); the
figures are in nlp/README.md.
"""

from __future__ import annotations

import logging
import random
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fraudgraph.errors import NotFoundError
from fraudgraph.nlp.char_vector_pretrainer import CharVectorPretrainer, SkipGramSettings
from fraudgraph.nlp.corpus import NerCorpus, NerExample
from fraudgraph.nlp.crf_trainer import CrfTrainer, CrfTrainingSettings
from fraudgraph.nlp.crf_vocab import CrfVocab
from fraudgraph.nlp.crf_weight_packer import CrfWeightPacker
from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.nlp.label_map import NER_KINDS
from fraudgraph.nlp.ner_trainer import CONFIG_DIR, NerTrainer, TrainingPlan

LOG = logging.getLogger(__name__)
SHIPPED = ("zh", "en", "zh_address")
#: Training sentences spaCy scores while training a model that keeps its last state.
MONITOR_SIZE = 300
#: Data sets whose training-split TEXT (labels unused) pretrains the character vectors.
VECTOR_DATASETS = ("resume", "weibo", "cluener", "address")


@dataclass(frozen=True, slots=True)
class Recipe:
    """Data sets (with or without label mapping) and the config of one model."""

    language: str
    datasets: tuple[str, ...]
    native_labels: bool
    config: str
    max_steps: int
    keep: Literal["best", "last"] = "best"
    #: Pretrain character vectors on the training texts first (the config must use them).
    char_vectors: bool = False
    #: ``spacy``: spaCy's training loop on a spaCy config (``max_steps`` steps); ``crf``: the
    #: BiLSTM-CRF of :class:`CrfTrainer` on a crf config (``max_steps`` EPOCHS).
    trainer: Literal["spacy", "crf"] = "spacy"


RECIPES = {
    "zh": Recipe("zh", ("resume", "weibo", "cluener"), False, "zh_ner.cfg", 2000),
    "en": Recipe("en", ("sec", "wnut17"), False, "en_ner.cfg", 1500),
    # A 3-seed ensemble of the address CRF (nlp/README.md); before: zh_native.cfg, 2500 steps.
    "zh_address": Recipe("zh", ("address",), True, "crf_address.cfg", 12, "last", True, "crf"),
}
#: The spaCy recipes of resume and weibo before the CRF replaced them (nlp/README.md compares
#: them); pass them as ``recipes`` to :class:`TrainingRecipes` to train those models again.
SPACY_NATIVE = {
    "resume": Recipe("zh", ("resume",), True, "zh_native.cfg", 3000, "last"),
    "weibo": Recipe("zh", ("weibo",), True, "zh_native_vectors.cfg", 2000, "last", True),
}
#: Config and fixed steps (CRF: epochs) of the native-label model of a data set (others: the
#: default below).
NATIVE = {
    # crf_native_lexicon.cfg with dropout 0.5 (dev 92.10 -> 92.53, session 6; nlp/README.md).
    "resume": Recipe("zh", ("resume",), True, "crf_resume.cfg", 20, "last", True, "crf"),
    # The CRF scored 55.29 on weibo dev, below this spaCy recipe (nlp/README.md).
    "weibo": SPACY_NATIVE["weibo"],
    "address": Recipe("zh", ("address",), True, "crf_native_lexicon.cfg", 12, "last", True, "crf"),
}


class TrainingRecipes:
    """Builds training data for a recipe and runs the trainer."""

    def __init__(
        self,
        catalog: DatasetCatalog,
        synthetic_dir: Path | None = None,
        recipes: Mapping[str, Recipe] = RECIPES,
    ) -> None:
        self.catalog = catalog
        self.synthetic_dir = synthetic_dir
        self.recipes = recipes

    def recipe(self, target: str) -> Recipe:
        """The recipe of a shipped model or a single data set with native labels."""
        if target in self.recipes:
            return self.recipes[target]
        if target in NATIVE:
            return NATIVE[target]
        spec = DatasetCatalog.spec(target)
        config = "zh_native.cfg" if spec.language == "zh" else "en_ner.cfg"
        return Recipe(spec.language, (target,), True, config, 2500, "last")

    def data(self, target: str) -> tuple[list[NerExample], list[NerExample]]:
        """(train, dev) examples of ``target``."""
        recipe = self.recipe(target)
        train: list[NerExample] = []
        dev: list[NerExample] = []
        for name in recipe.datasets:
            if not self.catalog.available(name):
                raise NotFoundError(f"data set {name!r} is missing under {self.catalog.root}")
            part_train, part_dev = self.catalog.splits(name)
            mapping = None if recipe.native_labels else DatasetCatalog.spec(name).to_kind
            train += NerCorpus.relabel(part_train, mapping)
            dev += NerCorpus.relabel(part_dev, mapping)
        if not recipe.native_labels:
            train += self._synthetic(recipe.language)
        return train, dev

    def _synthetic(self, language: str) -> list[NerExample]:
        if self.synthetic_dir is None:
            return []
        path = self.synthetic_dir / "truth" / "annotations.jsonl"
        if not path.is_file():
            LOG.info("no synthetic annotations at %s", path)
            return []
        # The annotations also mark phones, amounts...: the NER learns only the named kinds.
        kinds = {kind.value: kind.value for kind in NER_KINDS}
        return NerCorpus.relabel(NerCorpus.read_annotations(path, language), kinds)

    def train(self, target: str, output: Path, max_steps: int | None = None) -> Path:
        """Train ``target`` into ``output``; returns the model directory."""
        recipe = self.recipe(target)
        train, dev = self.data(target)
        if recipe.trainer == "crf":
            return self._train_crf(target, recipe, train, output, max_steps or recipe.max_steps)
        vectors = output.parent / f".{output.name}-vectors"
        overrides: dict[str, object] = {}
        if recipe.char_vectors:
            CharVectorPretrainer().write(self.unlabelled_texts(), vectors, recipe.language)
            overrides["initialize.vectors"] = str(vectors)
        plan = TrainingPlan(
            CONFIG_DIR / recipe.config,
            output,
            recipe.language,
            max_steps=max_steps or recipe.max_steps,
            name=f"fraudgraph_{target}",
            keep=recipe.keep,
            overrides=overrides,
        )
        try:
            return NerTrainer(plan).train(train, dev if recipe.keep == "best" else monitor(train))
        finally:
            shutil.rmtree(vectors, ignore_errors=True)

    def _train_crf(
        self, target: str, recipe: Recipe, train: list[NerExample], output: Path, epochs: int
    ) -> Path:
        """Train the BiLSTM-CRF of a ``crf`` recipe (last model kept, monitored on training
        sentences only)."""
        settings = CrfTrainingSettings.from_config(CONFIG_DIR / recipe.config, epochs)
        texts = self.unlabelled_texts() if recipe.char_vectors or settings.bigram_vectors else []
        vectors = CharVectorPretrainer().train(texts) if recipe.char_vectors else None
        bigram_vectors = None
        if settings.bigram_vectors:
            pretrainer = CharVectorPretrainer(SkipGramSettings(width=settings.bigram_width))
            bigram_vectors = pretrainer.train([CrfVocab.bigrams_of(text) for text in texts])
        trainer = CrfTrainer(settings)
        path = trainer.train(
            train,
            monitor(train),
            output,
            recipe.language,
            f"fraudgraph_{target}",
            vectors,
            bigram_vectors,
        )
        # ``[save] half = true`` configs (crf_address.cfg) store the weights as float16.
        return CrfWeightPacker.from_config(CONFIG_DIR / recipe.config).pack(path)

    def unlabelled_texts(self) -> list[str]:
        """The training-split texts of the available :data:`VECTOR_DATASETS` (never dev)."""
        return [
            example.text
            for name in VECTOR_DATASETS
            if self.catalog.available(name)
            for example in self.catalog.splits(name)[0]
        ]

    @staticmethod
    def targets() -> Sequence[str]:
        """Every accepted target name."""
        return (*SHIPPED, *DatasetCatalog.names())


def monitor(
    train: Sequence[NerExample], size: int = MONITOR_SIZE, seed: int = 7
) -> list[NerExample]:
    """A seeded sample of the training examples, scored by spaCy while it trains (never dev)."""
    return random.Random(seed).sample(list(train), min(size, len(train)))
