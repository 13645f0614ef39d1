"""Readers that turn the public NER data sets into one shape: text plus labelled character spans.

Every format (BMES, BIO, IOB1 CoNLL columns, CLUENER JSON lines, the synthetic world's
annotations) ends up as :class:`NerExample`, so training and evaluation never care where a
sentence came from.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudgraph.errors import IngestError

Span = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class NerExample:
    """One sentence with gold entity spans (``end`` exclusive, character offsets)."""

    text: str
    spans: tuple[Span, ...]


class NerCorpus:
    """Parses NER files of the formats fraudgraph trains and evaluates on."""

    @staticmethod
    def read_columns(
        path: Path, *, joiner: str = "", strip_digit: bool = False
    ) -> list[NerExample]:
        """Read a CoNLL-style file: one token per line, tag in the last column, blank lines split.

        ``strip_digit`` removes the trailing segmentation digit of the Weibo corpus (``科0``).
        Tags may be BIO, IOB1, BIOES or BMES; :meth:`tags_to_spans` reads all of them.
        """
        examples = []
        for tokens, tags in NerCorpus._sentences(path):
            if strip_digit:
                tokens = [t[:-1] if len(t) > 1 and t[-1].isdigit() else t for t in tokens]
            examples.append(NerCorpus.from_tokens(tokens, tags, joiner=joiner))
        return examples

    @staticmethod
    def _sentences(path: Path) -> Iterator[tuple[list[str], list[str]]]:
        tokens: list[str] = []
        tags: list[str] = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise IngestError(f"cannot read NER file {path}: {exc}") from exc
        for line in lines:
            parts = line.split()
            if not parts or parts[0] == "-DOCSTART-":
                if tokens:
                    yield tokens, tags
                tokens, tags = [], []
                continue
            # A lone column is a token whose tag is missing; a line of only a tag is a space char.
            tokens.append(parts[0] if len(parts) > 1 else " ")
            tags.append(parts[-1])
        if tokens:
            yield tokens, tags

    @staticmethod
    def from_tokens(tokens: list[str], tags: list[str], *, joiner: str) -> NerExample:
        """Join tokens into text and turn per-token tags into character spans."""
        offsets: list[tuple[int, int]] = []
        pos = 0
        for i, token in enumerate(tokens):
            if i and joiner:
                pos += len(joiner)
            offsets.append((pos, pos + len(token)))
            pos += len(token)
        spans = [
            (offsets[first][0], offsets[last][1], label)
            for first, last, label in NerCorpus.tags_to_spans(tags)
        ]
        return NerExample(joiner.join(tokens), tuple(spans))

    @staticmethod
    def tags_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
        """Token spans ``(first, last_inclusive, label)`` from BIO/IOB1/BIOES/BMES tags."""
        spans: list[tuple[int, int, str]] = []
        start: int | None = None
        label = ""
        for i, tag in enumerate(tags):
            prefix, _, kind = tag.partition("-")
            if prefix == "O" or not kind:
                if start is not None:
                    spans.append((start, i - 1, label))
                start = None
                continue
            # I/M/E continue an open span of the same type; anything else opens a new one,
            # which is exactly IOB1's rule and harmless for the stricter schemes.
            if prefix in {"B", "S"} or start is None or kind != label:
                if start is not None:
                    spans.append((start, i - 1, label))
                start, label = i, kind
            if prefix in {"E", "S"}:
                spans.append((start, i, label))
                start = None
        if start is not None:
            spans.append((start, len(tags) - 1, label))
        return spans

    @staticmethod
    def read_cluener(path: Path) -> list[NerExample]:
        """Read CLUENER JSON lines: ``{"text", "label": {type: {mention: [[start, end]]}}}``.

        CLUENER ends are inclusive; the examples use exclusive ends like everything else.
        """
        examples = []
        for record in NerCorpus._json_lines(path):
            spans = [
                (start, end + 1, kind)
                for kind, mentions in record.get("label", {}).items()
                for positions in mentions.values()
                for start, end in positions
            ]
            examples.append(NerExample(record["text"], tuple(sorted(spans))))
        return examples

    @staticmethod
    def read_annotations(path: Path, language: str | None = None) -> list[NerExample]:
        """Read the synthetic world's ``truth/annotations.jsonl`` (optionally one language)."""
        return [
            NerExample(
                record["text"],
                tuple(
                    sorted((e["start"], e["end"], e["label"]) for e in record.get("entities", []))
                ),
            )
            for record in NerCorpus._json_lines(path)
            if language is None or record.get("language") == language
        ]

    @staticmethod
    def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
        try:
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    if line.strip():
                        yield NerCorpus._parse_line(line, path, number)
        except OSError as exc:
            raise IngestError(f"cannot read {path}: {exc}") from exc

    @staticmethod
    def _parse_line(line: str, path: Path, number: int) -> dict[str, Any]:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(f"{path}:{number}: not JSON: {exc}") from exc
        if not isinstance(value, dict) or "text" not in value:
            raise IngestError(f"{path}:{number}: expected an object with a 'text' field")
        return value

    @staticmethod
    def relabel(examples: Iterable[NerExample], mapping: dict[str, str] | None) -> list[NerExample]:
        """Map labels through ``mapping``; spans whose label is not in it are dropped."""
        if mapping is None:
            return list(examples)
        return [
            NerExample(
                ex.text,
                tuple((s, e, mapping[label]) for s, e, label in ex.spans if label in mapping),
            )
            for ex in examples
        ]
