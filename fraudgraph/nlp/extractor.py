"""The public extraction API used by ingest and the gRPC service.

``EntityExtractor.load()`` builds one spaCy pipeline per language from the shipped models in
``nlp/models`` (Chinese and English NER plus the rule-based identifier component) and turns what
they find into :class:`fraudgraph.types.Entity` objects with full provenance.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.attrs import IDX, LENGTH

from fraudgraph.errors import InvalidInputError, ModelError
from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.blas_ops import BlasOps
from fraudgraph.nlp.cached_tok2vec import CachedTok2Vec, text_batches
from fraudgraph.nlp.canonicaliser import Canonicaliser
from fraudgraph.nlp.char_arrays import CharArrays
from fraudgraph.nlp.char_tokens import CharTokens
from fraudgraph.nlp.greedy_ner import GreedyNer
from fraudgraph.nlp.identifier_component import FACTORY as IDENTIFIERS
from fraudgraph.nlp.identifier_matcher import IdentifierMatch, IdentifierMatcher
from fraudgraph.nlp.label_map import kind_of_label
from fraudgraph.nlp.language import detect_language
from fraudgraph.nlp.text_folder import TextFolder
from fraudgraph.types import Entity, EntityKind, Provenance

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

LOG = logging.getLogger(__name__)
VERSION = "0.2.1"  # 0.2.1: organisation cores drop 股份 and a branch's parent legal form
# 0.2.0: romanised addresses keyed without the Chinese parser
DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / "nlp" / "models"
LANGUAGES = ("zh", "en")
IDENTIFIER_EXTRACTOR = "fraudgraph.nlp.identifiers"
FIELD_EXTRACTOR = "fraudgraph.nlp.field"
# Without calibrated probabilities from the transition-based NER, mentions get one confidence,
# close to the shipped models' dev precision.
NER_CONFIDENCE = 0.85
#: Bound of the memo caches (free-text results, identifier-field matches). Values repeat a lot in
#: bank data (memos such as 房租, shared devices and IPs); the models are deterministic, so a
#: cached result is exactly what a fresh run would give.
CACHE_SIZE = 100_000

# Structured fields hold one value of a known kind: no NER needed, the whole value is the entity.
WHOLE_FIELD_KINDS: Mapping[str, EntityKind] = {
    "name": EntityKind.PERSON,
    "employer": EntityKind.ORGANIZATION,
    "company": EntityKind.ORGANIZATION,
    "address": EntityKind.ADDRESS,
}
IDENTIFIER_FIELD_KINDS: Mapping[str, EntityKind] = {
    "phone": EntityKind.PHONE,
    "email": EntityKind.EMAIL,
    "id_number": EntityKind.ID_NUMBER,
    "card_number": EntityKind.BANK_CARD,
    "device_id": EntityKind.DEVICE,
    "ip": EntityKind.IP,
    "uscc": EntityKind.USCC,
}


#: A named-entity mention in a text: start and end character, NER label, text.
_Mention = tuple[int, int, str, str]


@dataclass(frozen=True, slots=True)
class TextRecord:
    """One text to extract from, with where it came from."""

    text: str
    source_id: str
    field: str
    language: str | None = None


class EntityExtractor:
    """Finds, validates and normalises entities in Chinese and English text."""

    def __init__(
        self,
        pipelines: Mapping[str, Language],
        canonicaliser: Canonicaliser,
        *,
        fast_ner: bool = True,
    ) -> None:
        """``fast_ner=False`` runs tok2vec and NER through spaCy's own code (the reference that the
        fast path reproduces: :class:`CachedTok2Vec`, :class:`GreedyNer`)."""
        self.pipelines = dict(pipelines)
        self.canonicaliser = canonicaliser
        self.matcher = IdentifierMatcher()
        self._has_ner = {lang: "ner" in nlp.pipe_names for lang, nlp in self.pipelines.items()}
        # The decoder replaces spaCy's NER when it is the last step (nothing after it reads
        # or changes doc.ents) and has the model shape GreedyNer reproduces.
        self._decoders = {
            lang: GreedyNer(nlp.get_pipe("ner"))
            for lang, nlp in self.pipelines.items()
            if fast_ner
            and nlp.pipe_names[-1:] == ["ner"]
            and GreedyNer.supports(nlp.get_pipe("ner"))
        }
        # ... and the tok2vec right before it computes each distinct token context once.
        self._encoders = {
            lang: CachedTok2Vec(nlp.get_pipe("tok2vec"))
            for lang, nlp in self.pipelines.items()
            if lang in self._decoders
            and nlp.pipe_names[-2:] == ["tok2vec", "ner"]
            and CachedTok2Vec.supports(nlp.get_pipe("tok2vec"))
        }
        # Character-segmented Chinese: the same Docs as spaCy's tokenizer, in one linear pass.
        self._tokenizers = {
            lang: CharTokens(nlp.tokenizer)
            for lang, nlp in self.pipelines.items()
            if fast_ner and CharTokens.supports(nlp.tokenizer)
        }
        # ... and with that tokenizer and the bigram feature before them, no Doc at all: the
        # token arrays the encoder and decoder read are computed for a batch at once.
        self._arrays = {
            lang: CharArrays(self.pipelines[lang], encoder.columns)
            for lang, encoder in self._encoders.items()
            if lang in self._tokenizers
            and self._decoders[lang].takes_encoded
            and CharArrays.supports(self.pipelines[lang], encoder.columns)
        }
        # Identifiers are matched outside spaCy (memoised); a component restricted to some
        # kinds keeps its restriction.
        self._identifier_kinds = {
            lang: getattr(nlp.get_pipe(IDENTIFIERS), "kinds", None)
            for lang, nlp in self.pipelines.items()
            if IDENTIFIERS in nlp.pipe_names
        }
        self._versions = {
            lang: f"{nlp.meta.get('name', 'blank')}-{nlp.meta.get('version', VERSION)}"
            for lang, nlp in self.pipelines.items()
        }
        # (language hint, text) -> entities with a blank source: provenance is stamped per use.
        self._free_text_cache: dict[tuple[str | None, str], tuple[Entity, ...]] = {}
        self._find = functools.lru_cache(maxsize=CACHE_SIZE)(self._find_all)
        self._find_kind = functools.lru_cache(maxsize=CACHE_SIZE)(self._find_all_of_kind)

    @classmethod
    def load(cls, models_dir: Path | None = None) -> EntityExtractor:
        """Load the pipelines under ``models_dir`` (default: the shipped ``nlp/models``).

        A language whose model is missing gets a blank pipeline with identifiers only, and a
        warning is logged: identifiers still work, person/organisation NER does not.
        """
        import spacy

        import fraudgraph.nlp.char_features  # noqa: F401  registers factories used by the models

        root = models_dir or DEFAULT_MODELS_DIR
        pipelines: dict[str, Language] = {}
        for lang in LANGUAGES:
            path = root / lang
            if (path / "meta.json").is_file():
                try:
                    nlp = spacy.load(path)
                except (OSError, ValueError) as exc:
                    raise ModelError(f"cannot load the {lang} NLP model at {path}: {exc}") from exc
            else:
                LOG.warning("no %s NER model at %s: identifiers only", lang, path)
                nlp = spacy.blank(lang)
            if IDENTIFIERS not in nlp.pipe_names:
                nlp.add_pipe(IDENTIFIERS, first=True)
            BlasOps.install(nlp)
            pipelines[lang] = nlp
        canonicaliser = Canonicaliser(AddressParser.load(root / "zh_address"))
        canonicaliser.names.load_tables()
        return cls(pipelines, canonicaliser)

    def extract(
        self, text: str, *, source_id: str, field: str, language: str | None = None
    ) -> list[Entity]:
        """Entities in ``text``, each with provenance pointing back into it."""
        return self.extract_many([TextRecord(text, source_id, field, language)])[0]

    def extract_many(
        self, records: Iterable[TextRecord], *, batch_size: int = 1024
    ) -> list[list[Entity]]:
        """Entities of many texts, in input order; free text goes through ``nlp.pipe``."""
        items = list(records)
        results: list[list[Entity]] = [[] for _ in items]
        self.canonicaliser.addresses.prepare(
            item.text for item in items if WHOLE_FIELD_KINDS.get(item.field) is EntityKind.ADDRESS
        )
        free_text: list[int] = []
        for index, record in enumerate(items):
            if not isinstance(record.text, str):
                raise InvalidInputError("text must be a string", field=record.field)
            if record.field in WHOLE_FIELD_KINDS:
                results[index] = self._whole_field(record, WHOLE_FIELD_KINDS[record.field])
            elif record.field in IDENTIFIER_FIELD_KINDS:
                results[index] = self._identifier_field(
                    record, IDENTIFIER_FIELD_KINDS[record.field]
                )
            elif record.text.strip():
                free_text.append(index)
        if free_text:
            self._run_free_text([items[i] for i in free_text], batch_size)
            for index in free_text:
                record = items[index]
                cached = self._free_text_cache[(record.language, record.text)]
                results[index] = [self._stamp(entity, record) for entity in cached]
        return results

    def _run_free_text(self, records: list[TextRecord], batch_size: int) -> None:
        """Run the pipelines once per distinct free text not yet in the cache."""
        todo = self._uncached(records)
        if not todo:
            return
        if len(self._free_text_cache) + sum(map(len, todo.values())) > CACHE_SIZE:
            # Bounded: a burst of new texts starts afresh. The clear also drops texts of THIS
            # call that were cached before it, and the caller reads every one back: redo them.
            self._free_text_cache.clear()
            todo = self._uncached(records)
        for lang, pending in todo.items():
            texts = [record.text for record in pending.values()]
            mentions = self._mentions(lang, texts, batch_size)
            # Address mentions are parsed in one batch rather than one model call each.
            self.canonicaliser.addresses.prepare(
                text
                for named in mentions
                for _, _, label, text in named
                if kind_of_label(label) is EntityKind.ADDRESS
            )
            for (key, record), named in zip(pending.items(), mentions, strict=True):
                self._free_text_cache[key] = tuple(self._entities(record, lang, named))

    def _uncached(
        self, records: list[TextRecord]
    ) -> dict[str, dict[tuple[str | None, str], TextRecord]]:
        """The distinct free texts not in the cache, grouped by the pipeline language."""
        todo: dict[str, dict[tuple[str | None, str], TextRecord]] = defaultdict(dict)
        for record in records:
            key = (record.language, record.text)
            if key not in self._free_text_cache:
                todo[self._language(record)].setdefault(key, TextRecord(record.text, "", ""))
        return todo

    def _mentions(self, lang: str, texts: list[str], batch_size: int) -> list[list[_Mention]]:
        """Named-entity mentions of each text: (start char, end char, label, text)."""
        if not self._has_ner[lang]:
            return [[] for _ in texts]  # identifiers only: no spaCy Doc needed at all
        if lang in self._arrays:
            return self._array_mentions(lang, texts, batch_size)
        nlp = self.pipelines[lang]
        decoder = self._decoders.get(lang)
        skip = [IDENTIFIERS] if IDENTIFIERS in nlp.pipe_names else []
        tokenizer = self._tokenizers.get(lang)
        inputs: Iterable[str | Doc] = texts if tokenizer is None else map(tokenizer, texts)
        if decoder is None:
            docs = nlp.pipe(inputs, batch_size=batch_size, disable=skip)
            return [[(e.start_char, e.end_char, e.label_, e.text) for e in d.ents] for d in docs]
        encoder = self._encoders.get(lang)
        skip += [decoder.name] if encoder is None else ["tok2vec", decoder.name]
        docs = nlp.pipe(inputs, batch_size=batch_size, disable=skip)
        if encoder is not None and decoder.takes_encoded:
            decoded = decoder.pipe_encoded(docs, encoder, batch_size)
        else:
            decoded = decoder.pipe_spans(
                docs if encoder is None else encoder.pipe(docs, batch_size), batch_size
            )
        return [
            self._spans(text, doc, found) for text, (doc, found) in zip(texts, decoded, strict=True)
        ]

    def _array_mentions(self, lang: str, texts: list[str], batch_size: int) -> list[list[_Mention]]:
        """:meth:`_mentions` through :class:`CharArrays`: the same tokens, features and
        decisions as through the pipeline's Docs, without the Docs."""
        arrays, encoder, decoder = self._arrays[lang], self._encoders[lang], self._decoders[lang]
        mentions: list[list[_Mention]] = []
        for batch in text_batches(texts, batch_size):
            tokens = arrays(batch)
            encoded = None
            if len(tokens.features):
                encoded = encoder.encode_features(tokens.features, tokens.lengths)
            found = decoder.predict_arrays(tokens.lengths, tokens.space, tokens.sent_start, encoded)
            first = 0
            for text, spans, length in zip(batch, found, tokens.lengths.tolist(), strict=True):
                named = []
                for start, end, label in spans:
                    begin, stop = tokens.starts[first + start], tokens.ends[first + end - 1]
                    named.append((begin, stop, decoder.labels[label], text[begin:stop]))
                mentions.append(named)
                first += length
        return mentions

    @staticmethod
    def _spans(text: str, doc: Doc, found: list[tuple[int, int, str]]) -> list[_Mention]:
        """Token spans as character mentions, read from the token offset arrays: what
        ``Span.start_char``, ``end_char`` and ``text`` give, without Span or Token objects
        (spaCy's tokenization keeps the text, so ``doc.text`` is ``text``)."""
        if not found:
            return []
        bounds = doc.to_array([IDX, LENGTH]).tolist()
        mentions = []
        for start, end, label in found:
            first, (last, length) = bounds[start][0], bounds[end - 1]
            mentions.append((first, last + length, label, text[first : last + length]))
        return mentions

    @staticmethod
    def _stamp(entity: Entity, record: TextRecord) -> Entity:
        """``entity`` (from the cache) with provenance pointing at ``record``."""
        old = entity.provenance
        assert old is not None
        # Built directly: ``dataclasses.replace`` costs several times more per call.
        provenance = Provenance(
            record.source_id, record.field, old.start, old.end, old.extractor, old.version,
            old.confidence,
        )  # fmt: skip
        return Entity(
            entity.kind, entity.text, entity.canonical, entity.valid, provenance,
            entity.attributes,
        )  # fmt: skip

    def _find_all(self, text: str) -> tuple[IdentifierMatch, ...]:
        return tuple(self.matcher.find(text))

    def _find_all_of_kind(self, text: str, kind: EntityKind) -> tuple[IdentifierMatch, ...]:
        return tuple(self.matcher.find_kind(text, kind))

    def _language(self, record: TextRecord) -> str:
        lang = record.language or detect_language(record.text)
        if lang not in self.pipelines:
            raise InvalidInputError(f"unsupported language {lang!r}", field=record.field)
        return lang

    def _entities(self, record: TextRecord, lang: str, named: list[_Mention]) -> list[Entity]:
        """Identifier and named entities of a free text, in order of position."""
        matches = self._find(record.text)
        kinds = self._identifier_kinds.get(lang)
        if kinds is not None:
            matches = tuple(match for match in matches if match.kind in kinds)
        entities = [self._identifier_entity(match, record) for match in matches]
        version = self._versions[lang]
        for start, end, label, text in named:
            kind = kind_of_label(label)
            inside = any(m.start <= start and end <= m.end for m in matches)
            if kind is None or inside:
                continue
            canonical, attributes = self.canonicaliser.canonical(kind, text)
            provenance = Provenance(
                record.source_id, record.field, start, end,
                f"fraudgraph.nlp.ner.{lang}", version, NER_CONFIDENCE,
            )  # fmt: skip
            entities.append(Entity(kind, text, canonical, True, provenance, attributes))
        return sorted(entities, key=self._position)

    @staticmethod
    def _position(entity: Entity) -> tuple[int, int]:
        assert entity.provenance is not None
        return entity.provenance.start, entity.provenance.end

    @staticmethod
    def _identifier_entity(match: IdentifierMatch, record: TextRecord) -> Entity:
        provenance = Provenance(
            record.source_id, record.field, match.start, match.end, IDENTIFIER_EXTRACTOR,
            VERSION, match.confidence,
        )  # fmt: skip
        text = record.text[match.start : match.end]
        return Entity(match.kind, text, match.canonical, match.valid, provenance, match.attributes)

    def _whole_field(self, record: TextRecord, kind: EntityKind) -> list[Entity]:
        start, end = self._stripped_bounds(record.text)
        if start == end:
            return []
        text = record.text[start:end]
        canonical, attributes = self.canonicaliser.canonical(kind, text)
        provenance = Provenance(
            record.source_id, record.field, start, end, FIELD_EXTRACTOR, VERSION, 1.0
        )
        return [Entity(kind, text, canonical, True, provenance, attributes)]

    def _identifier_field(self, record: TextRecord, kind: EntityKind) -> list[Entity]:
        """A structured identifier field: the validated match, or the raw value flagged.

        A value of the expected kind that fails validation stays, with ``valid=False`` (except
        device ids, whose formats vary by vendor and which have no checksum to fail).
        """
        matches = self._find_kind(record.text, kind)
        if matches:
            return [self._identifier_entity(m, record) for m in matches]
        start, end = self._stripped_bounds(record.text)
        if start == end:
            return []
        text = record.text[start:end]
        canonical = "".join(TextFolder.to_half_width(text).split()).upper()
        if kind in {EntityKind.DEVICE, EntityKind.EMAIL}:
            canonical = canonical.lower()
        valid = kind is EntityKind.DEVICE
        provenance = Provenance(
            record.source_id, record.field, start, end, FIELD_EXTRACTOR, VERSION,
            1.0 if valid else 0.5,
        )  # fmt: skip
        attributes = {"format": "opaque"} if valid else {"reason": "unrecognised"}
        return [Entity(kind, text, canonical, valid, provenance, attributes)]

    @staticmethod
    def _stripped_bounds(text: str) -> tuple[int, int]:
        stripped = text.strip()
        if not stripped:
            return 0, 0
        start = text.index(stripped)
        return start, start + len(stripped)

    def languages(self) -> Sequence[str]:
        """Languages this extractor has a pipeline for."""
        return tuple(self.pipelines)
