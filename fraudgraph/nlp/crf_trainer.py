"""Trains a :class:`CrfTaggerModel` and saves it as a spaCy pipeline (``blank`` + CRF ``ner``).

A fixed number of epochs chosen up front, Adam with a linearly falling learning rate, seeded
shuffles and initialisation, and the LAST model is kept: the examples given as ``monitor`` (a
sample of the training split) are only scored and logged, never used to stop or select. Batches
hold sentences of similar length (bucketed after each epoch's shuffle) to keep padding low.
With ``ensemble > 1`` the same run is repeated with seeds ``seed``, ``seed + 1`` ... and all the
models are saved together (their scores are averaged when tagging). ``device`` picks where the
training runs (``cpu``, ``cuda``, or ``auto``: cuda when torch sees a GPU); the saved weights are
CPU tensors either way, so a model trained on a GPU loads and tags on CPU like any other.
"""

from __future__ import annotations

import logging
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraudgraph.errors import ConfigurationError
from fraudgraph.nlp.corpus import NerExample
from fraudgraph.nlp.crf_vocab import CrfVocab, EncodedBatch
from fraudgraph.nlp.ner_evaluator import NerEvaluator
from fraudgraph.nlp.word_dictionary import WordDictionary

if TYPE_CHECKING:
    import torch
    from numpy.typing import NDArray

    from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel

LOG = logging.getLogger(__name__)
#: Batches per bucket: a bucket of shuffled sentences is sorted by length, then cut in batches.
_BUCKET = 20


@dataclass(frozen=True, slots=True)
class CrfTrainingSettings:
    """Model sizes and the training run (the ``[model]`` / ``[training]`` of a crf config)."""

    epochs: int = 30
    char_width: int = 64
    bigram_width: int = 32
    hidden: int = 96
    dropout: float = 0.3
    batch_size: int = 32
    learn_rate: float = 0.002
    final_rate: float = 0.1
    clip: float = 5.0
    min_bigram_count: int = 2
    seed: int = 7
    threads: int = 1
    monitor_every: int = 5
    #: Describe characters by the lexicon words starting / ending at them too (CrfVocab).
    lexicon: bool = False
    word_width: int = 32
    #: Pretrain bigram vectors too (the recipe's unlabelled text; ``bigram_width`` wide): they
    #: initialise the bigram embeddings, and their bigrams join the vocabulary.
    bigram_vectors: bool = False
    #: Models trained (seeds ``seed`` ...) and decoded together.
    ensemble: int = 1
    #: Stacked BiLSTM layers.
    layers: int = 1
    #: Where to train: ``cpu``, ``cuda`` (``cuda:N``) or ``auto`` (cuda when available).
    device: str = "cpu"
    #: External word dictionary for B/M/E/S word-set features (WordDictionary): "" none,
    #: "jieba" (the jieba package's dict.txt) or a file path.
    dictionary: str = ""
    #: A typed gazetteer of the training split's entity strings seen this many times joins the
    #: word sets (0: none).
    gazetteer: int = 0
    dict_tag_width: int = 16
    dict_word_width: int = 32

    @classmethod
    def from_config(cls, path: Path, epochs: int) -> CrfTrainingSettings:
        """Settings of a crf config file, run for ``epochs`` epochs."""
        from thinc.api import Config

        config = Config().from_disk(path)
        return cls(epochs=epochs, **dict(config["model"]), **dict(config["training"]))


class CrfTrainer:
    """Runs one CRF training job from in-memory examples."""

    def __init__(self, settings: CrfTrainingSettings) -> None:
        self.settings = settings

    def train(
        self,
        train: Sequence[NerExample],
        monitor: Sequence[NerExample],
        output: Path,
        language: str = "zh",
        name: str = "pipeline",
        vectors: tuple[list[str], NDArray[Any]] | None = None,
        bigram_vectors: tuple[list[str], NDArray[Any]] | None = None,
    ) -> Path:
        """Train on ``train``, save the last model(s) as a spaCy pipeline at ``output``; return
        it.

        ``vectors`` / ``bigram_vectors``: pretrained (characters or bigrams, rows) that
        initialise the character / bigram embeddings.
        """
        import torch

        settings = self.settings
        torch.set_num_threads(settings.threads)
        device = self.device()
        examples = [example for example in train if example.text]
        vocab = CrfVocab.build(
            examples,
            settings.min_bigram_count,
            vectors[0] if vectors else (),
            settings.lexicon,
            bigram_vectors[0] if bigram_vectors else (),
            WordDictionary.load(settings.dictionary) if settings.dictionary else None,
            settings.gazetteer,
        )
        started = time.perf_counter()
        models = []
        for member in range(max(1, settings.ensemble)):
            torch.manual_seed(settings.seed + member)
            model = self._model(vocab, vectors, bigram_vectors).to(device)
            self._fit(model, vocab, examples, monitor, settings.seed + member)
            models.append(model.cpu())
        seconds = time.perf_counter() - started
        monitor_f1 = self.score(models, vocab, monitor)
        LOG.info("trained %s in %.0f s; monitor F1 %.2f", name, seconds, monitor_f1)
        info: dict[str, Any] = {
            "epochs": settings.epochs,
            "seconds": round(seconds),
            "monitor_f1": monitor_f1,
        }
        if device.type != "cpu":
            info["device"] = str(device)
        if len(models) > 1:
            info["ensemble"] = len(models)
        return self.save(vocab, models, output, language, name, info)

    def device(self) -> torch.device:
        """The torch device of ``settings.device`` (``auto``: cuda when torch sees a GPU)."""
        import torch

        name = self.settings.device
        if name == "auto":
            name = "cuda" if torch.cuda.is_available() else "cpu"
        try:
            device = torch.device(name)
        except RuntimeError as exc:
            raise ConfigurationError(f"unknown training device {name!r}: {exc}") from None
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigurationError(f"training device {name!r} asked for, but torch sees no GPU")
        return device

    def _model(
        self,
        vocab: CrfVocab,
        vectors: tuple[list[str], NDArray[Any]] | None,
        bigram_vectors: tuple[list[str], NDArray[Any]] | None,
    ) -> CrfTaggerModel:
        import torch

        from fraudgraph.nlp.crf_tagger_model import CrfTaggerModel, CrfTaggerShape

        settings = self.settings
        num_chars, num_bigrams, num_tags, num_words = vocab.sizes
        num_dict_tags, num_dict_words = vocab.dictionary_sizes
        shape = CrfTaggerShape(
            num_chars,
            num_bigrams,
            num_tags,
            num_words,
            settings.char_width,
            settings.bigram_width,
            settings.hidden,
            settings.dropout,
            settings.word_width,
            settings.layers,
            num_dict_tags,
            num_dict_words,
            settings.dict_tag_width,
            settings.dict_word_width,
        )
        model = CrfTaggerModel(shape, vocab.allowed())
        if vectors is not None:
            chars, rows = vectors
            ids = torch.tensor([vocab.char_id(char) for char in chars], dtype=torch.long)
            model.load_char_vectors(ids, torch.from_numpy(rows).float())
        if bigram_vectors is not None:
            bigrams, rows = bigram_vectors
            ids = torch.tensor([vocab.bigram_id(bigram) for bigram in bigrams], dtype=torch.long)
            model.load_bigram_vectors(ids, torch.from_numpy(rows).float())
        return model

    def _fit(
        self,
        model: CrfTaggerModel,
        vocab: CrfVocab,
        examples: list[NerExample],
        monitor: Sequence[NerExample],
        seed: int,
    ) -> None:
        import torch

        settings = self.settings
        optimizer = torch.optim.Adam(model.parameters(), lr=settings.learn_rate)
        batches_per_epoch = -(-len(examples) // settings.batch_size)
        total = max(1, settings.epochs * batches_per_epoch)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 1.0 - (1.0 - settings.final_rate) * min(step / total, 1.0)
        )
        tags = [vocab.tag_ids(example) for example in examples]
        device = next(model.parameters()).device
        shuffle = random.Random(seed)
        for epoch in range(1, settings.epochs + 1):
            model.train()
            # Summed on the model's device: no GPU sync per batch.
            loss_sum = torch.zeros((), device=device)
            for batch in self.batches(examples, shuffle):
                encoded = vocab.encode([examples[i].text for i in batch])
                gold = torch.zeros_like(encoded.chars)
                for row, i in enumerate(batch):
                    gold[row, : len(tags[i])] = torch.tensor(tags[i])
                encoded, gold = to_device(encoded, device), gold.to(device)
                optimizer.zero_grad()
                loss = model.loss(encoded, gold)
                loss.backward()  # type: ignore[no-untyped-call]
                torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip)
                optimizer.step()
                schedule.step()
                loss_sum += loss.detach() * len(batch)
            LOG.info("epoch %d: loss %.3f", epoch, float(loss_sum) / max(len(examples), 1))
            if monitor and epoch % settings.monitor_every == 0 and epoch < settings.epochs:
                LOG.info("epoch %d: monitor F1 %.2f", epoch, self.score([model], vocab, monitor))

    def batches(self, examples: Sequence[NerExample], shuffle: random.Random) -> list[list[int]]:
        """One epoch of batches (example indices): shuffled, then bucketed by length."""
        order = list(range(len(examples)))
        shuffle.shuffle(order)
        size = self.settings.batch_size
        batches: list[list[int]] = []
        for start in range(0, len(order), size * _BUCKET):
            bucket = sorted(
                order[start : start + size * _BUCKET], key=lambda i: len(examples[i].text)
            )
            batches += [bucket[i : i + size] for i in range(0, len(bucket), size)]
        shuffle.shuffle(batches)
        return batches

    @staticmethod
    def score(
        models: Sequence[CrfTaggerModel], vocab: CrfVocab, examples: Sequence[NerExample]
    ) -> float:
        """Strict span micro-F1 of ``models`` (decoded together) on ``examples``."""
        from fraudgraph.nlp.crf_ner_component import CrfNerComponent

        if not examples:
            return 0.0
        component = CrfNerComponent()
        component.set_models(vocab, models)
        predicted = component.predict([example.text for example in examples])
        overall, _ = NerEvaluator().score(examples, predicted)
        return round(overall.f1, 2)

    @staticmethod
    def save(
        vocab: CrfVocab,
        models: Sequence[CrfTaggerModel],
        output: Path,
        language: str,
        name: str,
        info: dict[str, Any],
    ) -> Path:
        """Write ``spacy.blank(language)`` + the CRF component (named ``ner``) to ``output``."""
        import spacy

        from fraudgraph.nlp.crf_ner_component import CrfNerComponent

        nlp = spacy.blank(language)
        component = nlp.add_pipe("fraudgraph_crf_ner", name="ner")
        assert isinstance(component, CrfNerComponent)
        component.set_models(vocab, models)
        nlp.meta.update(name=name, version="0.1.0", crf_training=info)
        if output.exists():
            shutil.rmtree(output)
        nlp.to_disk(output)
        return output


def to_device(batch: EncodedBatch, device: torch.device) -> EncodedBatch:
    """``batch`` with every tensor on ``device`` (the same object when already there)."""
    if batch.chars.device == device:
        return batch
    moved: dict[str, Any] = {}
    for field in fields(batch):
        value = getattr(batch, field.name)
        moved[field.name] = None if value is None else value.to(device)
    return EncodedBatch(**moved)
