"""Ids of the characters, character bigrams and BIOES tags a CRF tagger reads and writes.

Built from the TRAINING split only (plus, optionally, the characters of pretrained vectors,
which were themselves learnt from training-split text). Id 0 is padding and id 1 an unknown
character or bigram. Each character is described by itself and by the bigrams it forms with its
left and right neighbours (``"\\x02"`` / ``"\\x03"`` mark the text's start and end) and, when
the vocabulary has a lexicon (words learnt from the training split by
:class:`CharLexiconFeatures`: frequent gold entity strings and character n-grams), by the longest
lexicon word starting and the longest one ending at it. With an external word dictionary
(:class:`WordDictionary`), each character also gets SoftLexicon-style sets (Ma et al. 2020): the
dictionary words it begins, is inside of, ends, or is alone (B, M, E, S), at most ``TOP`` per
set, the most frequent first, each given by its tag, its word id (words of two or more
characters seen twice in the training split; UNK for the rest) and a weight, the log of its
dictionary frequency divided by the sum over all four sets of the character (times four, so a
character whose matches are all in one set weighs that set 4). A typed gazetteer of the training
split's gold entity strings (:meth:`WordDictionary.gazetteer`, tags ``G:<label>``) may add its
matches to the same sets, with or without the external dictionary. Tags are BIOES: ``O`` then
``B-``, ``I-``, ``E-``, ``S-`` of each label in sorted order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from fraudgraph.nlp.char_lexicon import CharLexiconFeatures
from fraudgraph.nlp.corpus import NerCorpus, NerExample, Span
from fraudgraph.nlp.word_dictionary import GAZETTEER, WordDictionary

PAD, UNK = 0, 1
_START, _END = "\x02", "\x03"
_PREFIXES = ("B", "I", "E", "S")
#: How lexicon words are found (the settings of the spaCy configs' char_lexicon component).
LEXICON = {"max_length": 10, "entity_min_count": 2, "ngram_min_count": 10, "ngram_max_length": 4}
#: Dictionary words kept per character and set (B, M, E, S), the most frequent first.
TOP = 4
#: Times a dictionary word must occur in the training text to get its own id.
DICTIONARY_WORD_MIN_COUNT = 2


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Padded id tensors of a batch of texts, all ``(batch, length)``: characters, the bigrams
    ending (``left``) and starting (``right``) at each character, the lexicon words starting
    (``first``) and ending (``last``) at it (all PAD without a lexicon), real positions. With
    a word dictionary, ``(batch, length, 4, TOP)`` tensors of the B/M/E/S sets: tag ids, word
    ids (both PAD in empty slots) and float weights (0 in empty slots); None without one."""

    chars: torch.Tensor
    left: torch.Tensor
    right: torch.Tensor
    first: torch.Tensor
    last: torch.Tensor
    mask: torch.Tensor
    dict_tags: torch.Tensor | None = None
    dict_words: torch.Tensor | None = None
    dict_weights: torch.Tensor | None = None


class CrfVocab:
    """Character, bigram and tag ids (see the module docstring)."""

    def __init__(
        self,
        chars: Sequence[str],
        bigrams: Sequence[str],
        labels: Sequence[str],
        lexicon: Sequence[str] = (),
        dictionary: WordDictionary | None = None,
        dictionary_words: Sequence[str] = (),
        gazetteer: WordDictionary | None = None,
    ):
        self.chars = list(chars)
        self.bigrams = list(bigrams)
        self.labels = list(labels)
        self.lexicon = sorted(lexicon)
        self._finder = CharLexiconFeatures("lexicon", **LEXICON)
        self._finder.words = frozenset(self.lexicon)
        self._word_ids = {word: i + 2 for i, word in enumerate(self.lexicon)}
        self.dictionary = dictionary
        self.gazetteer = gazetteer
        self._word_sources = [d for d in (dictionary, gazetteer) if d is not None]
        self.dictionary_words = sorted(dictionary_words)
        self._dict_word_ids = {word: i + 2 for i, word in enumerate(self.dictionary_words)}
        #: Tags of the dictionary and gazetteer words (ids from 2 on, in this order).
        self.dictionary_tags = sorted({tag for source in self._word_sources for tag in source.tags})
        self._dict_tag_ids = {tag: i + 2 for i, tag in enumerate(self.dictionary_tags)}
        self.tags = ["O"] + [f"{prefix}-{label}" for label in self.labels for prefix in _PREFIXES]
        self._char_ids = {char: i + 2 for i, char in enumerate(self.chars)}
        self._bigram_ids = {bigram: i + 2 for i, bigram in enumerate(self.bigrams)}
        self._tag_ids = {tag: i for i, tag in enumerate(self.tags)}

    @classmethod
    def build(
        cls,
        examples: Iterable[NerExample],
        min_bigram_count: int = 2,
        extra_chars: Sequence[str] = (),
        lexicon: bool = False,
        extra_bigrams: Sequence[str] = (),
        dictionary: WordDictionary | None = None,
        gazetteer_min_count: int = 0,
    ) -> CrfVocab:
        """Every training character (and ``extra_chars``), bigrams seen ``min_bigram_count``
        times (and ``extra_bigrams``), every label, the lexicon if asked, the ``dictionary``'s
        words seen in the training text, a gazetteer of the entity strings seen
        ``gazetteer_min_count`` times (0: none); in a fixed order whatever the order of the
        examples."""
        chars: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        labels: set[str] = set()
        entities: list[str] = []
        for example in examples:
            chars.update(example.text)
            bigrams.update(cls.bigrams_of(example.text))
            labels.update(label for _, _, label in example.spans)
            entities.extend(example.text[start:end] for start, end, _ in example.spans)
        kept = {bigram for bigram, n in bigrams.items() if n >= min_bigram_count}
        texts = [example.text for example in examples]
        words: frozenset[str] = frozenset()
        if lexicon:
            words = CharLexiconFeatures("lexicon", **LEXICON).build(texts, entities)
        gazetteer = None
        if gazetteer_min_count > 0:
            mentions = ((ex.text[s:e], label) for ex in examples for s, e, label in ex.spans)
            gazetteer = WordDictionary.gazetteer(mentions, gazetteer_min_count)
        seen: set[str] = set()
        for source in (dictionary, gazetteer):
            if source is not None:
                seen.update(source.words_in(texts, DICTIONARY_WORD_MIN_COUNT))
        return cls(
            sorted(set(chars) | set(extra_chars)),
            sorted(kept | set(extra_bigrams)),
            sorted(labels),
            sorted(words),
            dictionary,
            sorted(seen),
            gazetteer,
        )

    @staticmethod
    def bigrams_of(text: str) -> list[str]:
        """The bigrams of ``text`` with its start and end marks: ``len(text) + 1`` of them, the
        one ending at character ``i`` first (index ``i``), the one starting there next."""
        padded = f"{_START}{text}{_END}"
        return [padded[i : i + 2] for i in range(len(padded) - 1)]

    @property
    def sizes(self) -> tuple[int, int, int, int]:
        """(character ids, bigram ids, tags, lexicon word ids), padding and unknown included in
        the ids (no lexicon: 0 word ids)."""
        words = len(self.lexicon) + 2 if self.lexicon else 0
        return len(self.chars) + 2, len(self.bigrams) + 2, len(self.tags), words

    @property
    def dictionary_sizes(self) -> tuple[int, int]:
        """(dictionary tag ids, dictionary word ids), padding and unknown included; (0, 0)
        without a dictionary."""
        if not self._word_sources:
            return 0, 0
        return len(self._dict_tag_ids) + 2, len(self.dictionary_words) + 2

    def char_id(self, char: str) -> int:
        """Id of ``char`` (UNK when unseen)."""
        return self._char_ids.get(char, UNK)

    def bigram_id(self, bigram: str) -> int:
        """Id of ``bigram`` (UNK when unseen)."""
        return self._bigram_ids.get(bigram, UNK)

    def encode(self, texts: Sequence[str]) -> EncodedBatch:
        """Padded ids of non-empty ``texts``."""
        length = max(len(text) for text in texts)
        chars = torch.zeros(len(texts), length, dtype=torch.long)
        left, right, first, last = (torch.zeros_like(chars) for _ in range(4))
        for row, text in enumerate(texts):
            bigram_ids = [self._bigram_ids.get(b, UNK) for b in self.bigrams_of(text)]
            size = len(text)
            chars[row, :size] = torch.tensor([self._char_ids.get(c, UNK) for c in text])
            left[row, :size] = torch.tensor(bigram_ids[:-1])
            right[row, :size] = torch.tensor(bigram_ids[1:])
            if self.lexicon:
                starts, ends = self._finder.features(list(text))
                first[row, :size] = torch.tensor([self._word_ids.get(w[2:], PAD) for w in starts])
                last[row, :size] = torch.tensor([self._word_ids.get(w[2:], PAD) for w in ends])
        if not self._word_sources:
            return EncodedBatch(chars, left, right, first, last, chars != PAD)
        sets = [self._dictionary_sets(text, length) for text in texts]
        tags, words, weights = (torch.stack(part) for part in zip(*sets, strict=True))
        return EncodedBatch(chars, left, right, first, last, chars != PAD, tags, words, weights)

    def _dictionary_sets(
        self, text: str, length: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Tag ids, word ids and weights ``(length, 4, TOP)`` of ``text``'s B/M/E/S sets."""
        # slots[i][s]: (weight, tag id, word id) of the words in set s of character i.
        slots: list[list[list[tuple[float, int, int]]]] = [[[], [], [], []] for _ in text]
        matches = [match for source in self._word_sources for match in source.matches(text)]
        for start, end, frequency, tag in matches:
            weight = math.log1p(max(frequency, 1))
            tag_id = self._dict_tag_ids.get(tag, UNK)
            if end - start == 1:
                slots[start][3].append((weight, tag_id, PAD))
                continue
            word_id = self._dict_word_ids.get(text[start:end], UNK)
            slots[start][0].append((weight, tag_id, word_id))
            for inside in range(start + 1, end - 1):
                slots[inside][1].append((weight, tag_id, word_id))
            slots[end - 1][2].append((weight, tag_id, word_id))
        # Flat lists, one tensor each at the end: element-wise tensor writes cost microseconds.
        cells = length * 4 * TOP
        tags, words, weights = [PAD] * cells, [PAD] * cells, [0.0] * cells
        for position, sets in enumerate(slots):
            kept = [sorted(found, reverse=True)[:TOP] for found in sets]
            total = sum(weight for found in kept for weight, _, _ in found)
            for index, found in enumerate(kept):
                cell = (position * 4 + index) * TOP
                for weight, tag_id, word_id in found:
                    tags[cell], words[cell], weights[cell] = tag_id, word_id, 4.0 * weight / total
                    cell += 1
        shape = (length, 4, TOP)
        return (
            torch.tensor(tags).view(shape),
            torch.tensor(words).view(shape),
            torch.tensor(weights).view(shape),
        )

    def tag_ids(self, example: NerExample) -> list[int]:
        """BIOES tag id of every character of ``example`` (unknown labels tagged O)."""
        tags = [0] * len(example.text)
        for start, end, label in example.spans:
            if label not in self.labels or end <= start:
                continue
            if end - start == 1:
                tags[start] = self._tag_ids[f"S-{label}"]
                continue
            tags[start] = self._tag_ids[f"B-{label}"]
            tags[start + 1 : end - 1] = [self._tag_ids[f"I-{label}"]] * (end - start - 2)
            tags[end - 1] = self._tag_ids[f"E-{label}"]
        return tags

    def spans(self, tag_ids: Sequence[int]) -> list[Span]:
        """Character spans ``(start, end_exclusive, label)`` spelled by ``tag_ids``."""
        tags = [self.tags[i] for i in tag_ids]
        return [(first, last + 1, label) for first, last, label in NerCorpus.tags_to_spans(tags)]

    def allowed(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """BIOES rules as (transition, start, end) bool masks for :class:`CrfLayer`."""
        size = len(self.tags)
        prefix = [tag.partition("-")[0] for tag in self.tags]
        kind = [tag.partition("-")[2] for tag in self.tags]
        opens = torch.tensor([p in {"O", "B", "S"} for p in prefix])
        closed = torch.tensor([p in {"O", "E", "S"} for p in prefix])
        moves = torch.zeros(size, size, dtype=torch.bool)
        for i in range(size):
            for j in range(size):
                inside = prefix[i] in {"B", "I"}
                continues = prefix[j] in {"I", "E"} and kind[j] == kind[i]
                moves[i, j] = continues if inside else bool(opens[j])
        return moves, opens, closed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready contents (see :meth:`from_dict`)."""
        return {
            "chars": self.chars,
            "bigrams": self.bigrams,
            "labels": self.labels,
            "lexicon": self.lexicon,
            **self._dictionary_dict(),
        }

    def _dictionary_dict(self) -> dict[str, Any]:
        saved: dict[str, Any] = {}
        if self.dictionary is not None:
            source, digest = self.dictionary.source, self.dictionary.digest
            saved["dictionary"] = {"source": source, "sha256": digest, "top": TOP}
        if self.gazetteer is not None:
            saved["gazetteer"] = self.gazetteer.items()
        if self._word_sources:
            saved["dictionary_words"] = self.dictionary_words
        return saved

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CrfVocab:
        """The vocabulary saved by :meth:`to_dict` (its word dictionary loaded and checked)."""
        dictionary = None
        if "dictionary" in data:
            saved = data["dictionary"]
            dictionary = WordDictionary.load(saved["source"], saved["sha256"])
        gazetteer = None
        if "gazetteer" in data:
            gazetteer = WordDictionary.from_items(data["gazetteer"], GAZETTEER)
        return cls(
            data["chars"],
            data["bigrams"],
            data["labels"],
            data.get("lexicon", ()),
            dictionary,
            data.get("dictionary_words", ()),
            gazetteer,
        )
