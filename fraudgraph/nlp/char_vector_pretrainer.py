"""Character embeddings pretrained on unlabelled Chinese text (skip-gram, negative sampling).

No pretrained Chinese embeddings may be downloaded, so the NER recipes can learn their own from
the TEXT of the training splits (never dev) of every Chinese data set: each character predicts
the characters up to ``window`` places either side of it in the same sentence, against
``negatives`` characters drawn from the unigram distribution raised to 3/4 (word2vec's recipe).
The result is written as a blank spaCy pipeline holding only the vectors, which a config with
``include_static_vectors = true`` loads through ``[initialize] vectors``. Seeded and run on the
CPU, so ``fraudgraph nlp train`` gives the same vectors every time.

The units need not be characters: :meth:`CharVectorPretrainer.train` takes any sequences of
strings, e.g. the character bigrams of each text (:meth:`CrfVocab.bigrams_of`), which gives the
CRF tagger pretrained bigram vectors the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy

if TYPE_CHECKING:
    import torch
    from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class SkipGramSettings:
    """Size of the vectors and of the training run."""

    width: int = 64
    window: int = 2
    negatives: int = 5
    min_count: int = 2
    epochs: int = 3
    batch_size: int = 16384
    learn_rate: float = 0.01
    seed: int = 7


class CharVectorPretrainer:
    """Learns one vector per frequent character from raw texts."""

    def __init__(self, settings: SkipGramSettings | None = None) -> None:
        self.settings = settings or SkipGramSettings()

    def vocabulary(self, texts: Sequence[Sequence[str]]) -> list[str]:
        """Characters (units) seen at least ``min_count`` times (whitespace excluded), most frequent
        first, ties in code point order so that the order never depends on the input order."""
        counts = Counter(char for text in texts for char in text if not char.isspace())
        kept = [(char, n) for char, n in counts.items() if n >= self.settings.min_count]
        return [char for char, _ in sorted(kept, key=lambda item: (-item[1], item[0]))]

    def pairs(self, texts: Sequence[Sequence[str]], index: dict[str, int]) -> NDArray[numpy.int64]:
        """(centre, context) id pairs of every in-vocabulary character pair at most
        ``window`` apart within one text, both directions."""
        ids = numpy.array(
            [index.get(char, -1) for text in texts for char in (*text, "\n")], dtype=numpy.int64
        )
        # Each text ends with a "\n" id of -1, so no pair crosses two texts.
        chunks = []
        for distance in range(1, self.settings.window + 1):
            left, right = ids[:-distance], ids[distance:]
            keep = (left >= 0) & (right >= 0)
            for pair in (
                numpy.stack([left[keep], right[keep]], axis=1),
                numpy.stack([right[keep], left[keep]], axis=1),
            ):
                chunks.append(pair)
        if not chunks:
            return numpy.zeros((0, 2), dtype=numpy.int64)
        return numpy.concatenate(chunks)

    def train(self, texts: Sequence[Sequence[str]]) -> tuple[list[str], NDArray[numpy.float32]]:
        """(characters, one row of ``width`` floats per character); ``texts`` are strings or
        any sequences of units (bigrams ...)."""
        import torch

        chars = self.vocabulary(texts)
        index = {char: i for i, char in enumerate(chars)}
        pairs = self.pairs(texts, index)
        generator = torch.Generator().manual_seed(self.settings.seed)
        size, width = len(chars), self.settings.width
        centre = torch.nn.Embedding(size, width)
        context = torch.nn.Embedding(size, width)
        with torch.no_grad():
            centre.weight.uniform_(-0.5 / width, 0.5 / width, generator=generator)
            context.weight.zero_()
        if size and len(pairs):
            self._fit(torch.from_numpy(pairs), centre, context, generator)
        vectors: NDArray[numpy.float32] = centre.weight.detach().numpy().astype(numpy.float32)
        return chars, vectors

    def _fit(
        self,
        pairs: torch.Tensor,
        centre: torch.nn.Embedding,
        context: torch.nn.Embedding,
        generator: torch.Generator,
    ) -> None:
        import torch

        settings = self.settings
        # A character's count is how often it is a context of something: its pair count.
        counts = torch.bincount(pairs[:, 1], minlength=centre.num_embeddings).double()
        noise = counts.pow(0.75)
        optimizer = torch.optim.Adam([centre.weight, context.weight], lr=settings.learn_rate)
        for _ in range(settings.epochs):
            order = torch.randperm(len(pairs), generator=generator)
            for start in range(0, len(pairs), settings.batch_size):
                batch = pairs[order[start : start + settings.batch_size]]
                drawn = torch.multinomial(
                    noise, len(batch) * settings.negatives, replacement=True, generator=generator
                ).view(len(batch), settings.negatives)
                optimizer.zero_grad()
                loss = self._loss(centre(batch[:, 0]), context(batch[:, 1]), context(drawn))
                loss.backward()  # type: ignore[no-untyped-call]
                optimizer.step()

    @staticmethod
    def _loss(centre: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
        """Negative-sampling loss: true contexts scored up, noise characters down."""
        import torch.nn.functional as functional

        true = functional.logsigmoid((centre * positive).sum(dim=1))
        noise = functional.logsigmoid(-(negative @ centre.unsqueeze(2)).squeeze(2)).sum(dim=1)
        return -(true + noise).mean()

    def write(self, texts: Sequence[str], path: Path, language: str = "zh") -> Path:
        """Train on ``texts`` and save a blank ``language`` pipeline with the vectors at
        ``path`` (what ``[initialize] vectors`` loads); returns ``path``."""
        import spacy
        from spacy.vectors import Vectors

        chars, vectors = self.train(texts)
        nlp = spacy.blank(language)
        keys = [nlp.vocab.strings.add(char) for char in chars]
        nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings, data=vectors, keys=keys)
        # spaCy creates only the last folder; a fresh checkout has no var/models/nlp yet.
        path.parent.mkdir(parents=True, exist_ok=True)
        nlp.to_disk(path)
        return path
