"""A character BiLSTM-CRF sequence tagger (characters + left/right character bigrams).

Each character is the concatenation of its own embedding, the embeddings of the bigrams it
forms with its left and right neighbours and, with a lexicon (``num_words > 0``), the embeddings
of the longest lexicon words starting and ending at it and, with a word dictionary
(``num_dict_tags > 0``), its B/M/E/S dictionary sets: per set, the weighted sum of the
embeddings of each word's tag and id (see :class:`CrfVocab`); a bidirectional
LSTM (one layer unless ``layers`` says more) reads the sentence and a linear layer gives every
tag a score per character; a :class:`CrfLayer` turns those scores into the training loss
(forward algorithm) and the decoded tag paths (Viterbi). Character and bigram embeddings may
start from pretrained vectors (:class:`CharVectorPretrainer`). Several models trained with
different seeds decode together (:meth:`CrfTaggerModel.decode_mean`): their emission and
transition scores are averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from fraudgraph.nlp.crf_layer import CrfLayer
from fraudgraph.nlp.crf_vocab import EncodedBatch


@dataclass(frozen=True, slots=True)
class CrfTaggerShape:
    """Sizes of a :class:`CrfTaggerModel` (saved with the model)."""

    num_chars: int
    num_bigrams: int
    num_tags: int
    num_words: int = 0
    char_width: int = 64
    bigram_width: int = 32
    hidden: int = 128
    dropout: float = 0.3
    word_width: int = 32
    #: Stacked BiLSTM layers (dropout ``dropout`` between them); 1 for every older model.
    layers: int = 1
    #: Word-dictionary tag and word ids (0: no dictionary features, every older model).
    num_dict_tags: int = 0
    num_dict_words: int = 0
    dict_tag_width: int = 16
    dict_word_width: int = 32

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class CrfTaggerModel(nn.Module):
    """Embeddings -> BiLSTM -> per-tag scores -> linear-chain CRF."""

    def __init__(
        self,
        shape: CrfTaggerShape,
        allowed: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> None:
        """``allowed``: the tag scheme's legal (transitions, starts, ends), see CrfLayer."""
        super().__init__()
        self.shape = shape
        self.chars = nn.Embedding(shape.num_chars, shape.char_width, padding_idx=0)
        self.bigrams = nn.Embedding(shape.num_bigrams, shape.bigram_width, padding_idx=0)
        self.first_words: nn.Embedding | None = None
        self.last_words: nn.Embedding | None = None
        if shape.num_words:
            self.first_words = nn.Embedding(shape.num_words, shape.word_width, padding_idx=0)
            self.last_words = nn.Embedding(shape.num_words, shape.word_width, padding_idx=0)
        self.dict_tags: nn.Embedding | None = None
        self.dict_words: nn.Embedding | None = None
        if shape.num_dict_tags:
            self.dict_tags = nn.Embedding(shape.num_dict_tags, shape.dict_tag_width, padding_idx=0)
            self.dict_words = nn.Embedding(
                shape.num_dict_words, shape.dict_word_width, padding_idx=0
            )
        self.dropout = nn.Dropout(shape.dropout)
        width = shape.char_width + 2 * shape.bigram_width
        width += 2 * shape.word_width if shape.num_words else 0
        # Four sets (B, M, E, S) of tag + word embeddings.
        width += 4 * (shape.dict_tag_width + shape.dict_word_width) if shape.num_dict_tags else 0
        self.encoder = nn.LSTM(
            width,
            shape.hidden,
            num_layers=shape.layers,
            batch_first=True,
            bidirectional=True,
            dropout=shape.dropout if shape.layers > 1 else 0.0,
        )
        self.output = nn.Linear(2 * shape.hidden, shape.num_tags)
        self.crf = CrfLayer(shape.num_tags, *(allowed or (None, None, None)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fresh random weights everywhere (padding embeddings zero)."""
        tables = (self.chars, self.bigrams, self.first_words, self.last_words)
        for table in (*tables, self.dict_tags, self.dict_words):
            if table is None:
                continue
            nn.init.normal_(table.weight, std=0.1)
            with torch.no_grad():
                table.weight[0].zero_()
        self.encoder.reset_parameters()
        self.output.reset_parameters()
        self.crf.reset_parameters()

    def load_char_vectors(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """Copy pretrained ``vectors`` (``(n, char_width)``) into the character rows ``rows``,
        scaled to the spread of the random initialisation."""
        self._load_vectors(self.chars, rows, vectors)

    def load_bigram_vectors(self, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        """As :meth:`load_char_vectors` for the bigram rows (``(n, bigram_width)``)."""
        self._load_vectors(self.bigrams, rows, vectors)

    @staticmethod
    def _load_vectors(table: nn.Embedding, rows: torch.Tensor, vectors: torch.Tensor) -> None:
        if len(rows) == 0:
            return
        scale = 0.1 / max(float(vectors.std()), 1e-6)
        with torch.no_grad():
            table.weight[rows] = vectors.to(table.weight.dtype) * scale

    def forward(self, batch: EncodedBatch) -> torch.Tensor:
        """Tag scores of every character.

        ``batch`` holds long ``(batch, length)`` tensors: ``chars`` (character ids), ``left`` /
        ``right`` (ids of the bigram ending / starting at each character), ``first`` / ``last``
        (ids of the lexicon word starting / ending there, read only when ``num_words > 0``) and
        the bool ``mask``, True on real characters (a prefix of each row, at least one); with
        ``num_dict_tags > 0`` also ``dict_tags`` / ``dict_words`` (long) and ``dict_weights``
        (float), all ``(batch, length, 4, TOP)``. Returns float ``(batch, length, num_tags)``
        emission scores.
        """
        parts = [self.chars(batch.chars), self.bigrams(batch.left), self.bigrams(batch.right)]
        if self.first_words is not None and self.last_words is not None:
            parts += [self.first_words(batch.first), self.last_words(batch.last)]
        if self.dict_tags is not None and self.dict_words is not None:
            parts.append(self._dictionary_sets(batch, self.dict_tags, self.dict_words))
        lengths = batch.mask.sum(dim=1).cpu()
        packed = pack_padded_sequence(
            self.dropout(torch.cat(parts, dim=2)), lengths, batch_first=True, enforce_sorted=False
        )
        encoded, _ = self.encoder(packed)
        total = batch.chars.shape[1]
        hidden, _ = pad_packed_sequence(encoded, batch_first=True, total_length=total)
        scores: torch.Tensor = self.output(self.dropout(hidden))
        return scores

    @staticmethod
    def _dictionary_sets(
        batch: EncodedBatch, tags: nn.Embedding, words: nn.Embedding
    ) -> torch.Tensor:
        """``(batch, length, 4 * (tag width + word width))``: each set's weighted sum."""
        if batch.dict_tags is None or batch.dict_words is None or batch.dict_weights is None:
            raise ValueError("this model reads word-dictionary sets: encode with its vocabulary")
        # (batch, length, 4, TOP, width) embeddings, weighted, summed over each set's words.
        embedded = torch.cat([tags(batch.dict_tags), words(batch.dict_words)], dim=-1)
        summed = (embedded * batch.dict_weights.unsqueeze(-1)).sum(dim=3)
        return summed.flatten(start_dim=2)

    def loss(self, batch: EncodedBatch, tags: torch.Tensor) -> torch.Tensor:
        """Mean CRF negative log-likelihood of the gold ``tags`` (long ``(batch, length)``)."""
        loss: torch.Tensor = self.crf(self(batch), tags, batch.mask)
        return loss

    def decode(self, batch: EncodedBatch) -> list[list[int]]:
        """The best tag path of each row (cut to its length)."""
        return self.crf.decode(self(batch), batch.mask)

    @staticmethod
    def decode_mean(models: Sequence[CrfTaggerModel], batch: EncodedBatch) -> list[list[int]]:
        """The best tag path of each row under the mean emission and transition scores of
        ``models`` (same vocabulary and tags; one model: :meth:`decode`)."""
        if len(models) == 1:
            return models[0].decode(batch)
        emissions = torch.stack([model(batch) for model in models]).mean(dim=0)
        parts = zip(*(model.crf.scores() for model in models), strict=True)
        transitions, start, end = (torch.stack(part).mean(dim=0) for part in parts)
        return models[0].crf.decode(emissions, batch.mask, (transitions, start, end))
