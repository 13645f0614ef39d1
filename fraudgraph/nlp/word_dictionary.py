"""An external word dictionary: which known words cover each character of a Chinese text.

Lexicon-enhanced Chinese NER (Lattice LSTM, Zhang and Yang 2018; SoftLexicon, Ma et al. 2020)
tells a character tagger which dictionary words begin, continue or end at each character: word
boundaries that characters and bigrams alone do not show. The dictionary is a UTF-8 text file
with one ``word frequency [tag]`` line per word, the format of the ``dict.txt`` that the
MIT-licensed ``jieba`` package installs (about 349k words with corpus frequencies and
part-of-speech tags such as ``ns`` place, ``nt`` organisation, ``nr`` person). Only that data
file is read; none of jieba's code runs. ``"jieba"`` names the installed package's file; any
other source is a path.

A model records the file's SHA-256 (:attr:`WordDictionary.digest`) and loads only a file with
the same digest: another dictionary would silently change the features it was trained on.

:meth:`WordDictionary.gazetteer` builds the other kind: the gold entity strings of a training
split, tagged with their label (a typed gazetteer, saved inside the model).
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from fraudgraph.errors import ConfigurationError, ModelError

#: The source name of the installed ``jieba`` package's dictionary.
JIEBA = "jieba"
#: Longest word looked up (longer dictionary entries, mostly idioms and phrases, are ignored).
MAX_LENGTH = 8
#: The tag of a line that gives none.
NO_TAG = "x"

#: A dictionary word found in a text: (start, end exclusive, frequency, tag).
Match = tuple[int, int, int, str]
#: Source name of a gazetteer built from training data.
GAZETTEER = "gazetteer"
#: Tag prefix of gazetteer entries (they never collide with a dictionary's own tags).
GAZETTEER_TAG = "G:"


class WordDictionary:
    """Words with their frequency and tag, and the matches of those words in a text."""

    def __init__(
        self, entries: Mapping[str, tuple[int, str]], digest: str, source: str = JIEBA
    ) -> None:
        """``entries``: word -> (frequency, tag); ``digest``: SHA-256 of the file they came from."""
        self._entries = {word: entry for word, entry in entries.items() if len(word) <= MAX_LENGTH}
        self.digest = digest
        self.source = source
        self.tags = sorted({tag for _, tag in self._entries.values()})

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    def gazetteer(cls, mentions: Iterable[tuple[str, str]], min_count: int) -> WordDictionary:
        """Entity strings of two or more characters seen ``min_count`` times in ``mentions``
        (text, label), tagged ``G:<label>`` with their most frequent label; frequency = times
        seen with any label."""
        seen: Counter[tuple[str, str]] = Counter(
            (text, label) for text, label in mentions if 1 < len(text) <= MAX_LENGTH
        )
        totals: Counter[str] = Counter()
        best: dict[str, tuple[int, str]] = {}
        for (text, label), count in sorted(seen.items()):
            totals[text] += count
            if count > best.get(text, (0, ""))[0]:
                best[text] = (count, label)
        entries = {
            text: (total, GAZETTEER_TAG + best[text][1])
            for text, total in totals.items()
            if total >= min_count
        }
        return cls.from_items([(w, f, t) for w, (f, t) in sorted(entries.items())], GAZETTEER)

    @classmethod
    def from_items(cls, items: Iterable[Sequence[Any]], source: str) -> WordDictionary:
        """A dictionary of (word, frequency, tag) items, as :meth:`items` gives them."""
        entries = {str(word): (int(frequency), str(tag)) for word, frequency, tag in items}
        canonical = json.dumps(sorted(entries.items()), ensure_ascii=False).encode("utf-8")
        return cls(entries, hashlib.sha256(canonical).hexdigest(), source)

    def items(self) -> list[tuple[str, int, str]]:
        """(word, frequency, tag) of every entry, sorted by word."""
        return [(word, freq, tag) for word, (freq, tag) in sorted(self._entries.items())]

    @staticmethod
    def resolve(source: str) -> Path:
        """The file of ``source`` (``"jieba"``: the installed package's ``dict.txt``)."""
        if source != JIEBA:
            return Path(source)
        spec = importlib.util.find_spec(JIEBA)
        if spec is None or spec.origin is None:
            raise ConfigurationError(
                "the word dictionary 'jieba' needs the jieba package:"
                " pip install -e '.[dictionary]'"
            )
        return Path(spec.origin).parent / "dict.txt"

    @classmethod
    def load(cls, source: str, digest: str | None = None) -> WordDictionary:
        """The dictionary of ``source``; with ``digest``, the file must have that SHA-256.

        A model trained elsewhere may name a path that does not exist here: when ``digest`` is
        given and ``source`` is missing or different, the installed jieba file is tried too.
        Parsed files are cached per process while unchanged (a parse takes about a second).
        """
        candidates = [source] if digest is None or source == JIEBA else [source, JIEBA]
        for candidate in candidates:
            try:
                loaded = _load(cls.resolve(candidate))
            except ConfigurationError:
                if digest is None:
                    raise
                continue
            if digest is None or loaded.digest == digest:
                return loaded._named(candidate)
        raise ModelError(
            f"the model needs the word dictionary {source!r} with SHA-256 {digest}; none of "
            f"{candidates} has it (for 'jieba': pip install -e '.[dictionary]')"
        )

    def _named(self, source: str) -> WordDictionary:
        """This dictionary under the source name ``source``, its entries shared (the cached
        parse is not copied: it holds 349k words for jieba)."""
        named = copy.copy(self)
        named.source = source
        return named

    @classmethod
    def parse(cls, data: bytes, source: str) -> WordDictionary:
        """The dictionary in the file contents ``data`` (``source`` names it in errors)."""
        entries: dict[str, tuple[int, str]] = {}
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"word dictionary {source}: not UTF-8 ({exc})") from None
        for number, line in enumerate(text.splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) > 3 or (len(parts) > 1 and not parts[1].isdigit()):
                raise ConfigurationError(
                    f"word dictionary {source}, line {number}: expected 'word frequency [tag]',"
                    f" got {line[:80]!r}"
                )
            frequency = int(parts[1]) if len(parts) > 1 else 1
            entries[parts[0]] = (frequency, parts[2] if len(parts) > 2 else NO_TAG)
        return cls(entries, hashlib.sha256(data).hexdigest(), source)

    def matches(self, text: str) -> list[Match]:
        """Every occurrence of a dictionary word in ``text``, overlapping ones included, in
        order of start then end."""
        entries = self._entries
        size = len(text)
        found: list[Match] = []
        for start in range(size):
            for end in range(start + 1, min(size, start + MAX_LENGTH) + 1):
                entry = entries.get(text[start:end])
                if entry is not None:
                    found.append((start, end, entry[0], entry[1]))
        return found

    def words_in(self, texts: Sequence[str], min_count: int) -> list[str]:
        """Dictionary words of two or more characters found at least ``min_count`` times in
        ``texts``, sorted."""
        counts: dict[str, int] = {}
        for text in texts:
            for start, end, _, _ in self.matches(text):
                if end - start > 1:
                    word = text[start:end]
                    counts[word] = counts.get(word, 0) + 1
        return sorted(word for word, n in counts.items() if n >= min_count)


def _load(path: Path) -> WordDictionary:
    try:
        status = path.stat()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the word dictionary {path}: {exc}") from None
    return _parsed(str(path), status.st_mtime_ns, status.st_size)


@cache
def _parsed(path: str, mtime_ns: int, size: int) -> WordDictionary:
    """The file at ``path`` parsed; the key includes its time and size, so an edit re-reads."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read the word dictionary {path}: {exc}") from None
    return WordDictionary.parse(data, path)
