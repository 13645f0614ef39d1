"""Chinese addresses split into components (province ... room) and keyed for matching.

The statistical parser is a spaCy pipeline trained on the public address-parsing corpus
(labels prov, city, district, town, community, road, roadno, poi, houseno, cellno, floorno,
roomno ...): the shipped one is a character BiLSTM-CRF ensemble (``fraudgraph_crf_ner``),
run on the texts directly by :class:`AddressCrfTagger` (no spaCy Docs, a Viterbi over legal
moves only); a spaCy NER model still works (with its own fast path). Without a model a
rule-based splitter on administrative suffixes is used. The key keeps the specific parts and
drops the ones implied by them (a district implies its province), so the same address written
with and without ``浙江省`` gets one key.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from fraudgraph.nlp.amount_parser import AmountParser
from fraudgraph.nlp.char_tokens import CharTokens

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from fraudgraph.nlp.address_crf_tagger import AddressCrfTagger
    from fraudgraph.nlp.cached_tok2vec import CachedTok2Vec
    from fraudgraph.nlp.greedy_ner import GreedyNer

KEY_PARTS = (
    "district", "devzone", "town", "community", "road", "subroad", "roadno", "subroadno", "poi",
    "subpoi", "houseno", "cellno", "floorno", "roomno",
)  # fmt: skip
_CACHE_LIMIT = 200_000
#: Normalised component values remembered (a pure function; districts and roads repeat).
_NORMAL_CACHE = 65_536
#: Components a structured address must have for the rule fast path (see _well_formed_spans).
_WELL_FORMED = frozenset({"district", "road", "roadno"})
_MAX_DISTRICT = 5
_UNIT_SUFFIX = re.compile(r"(?<=[0-9a-z])(?:号楼|栋|幢|座|单元|楼|层|室|号|#)+$")
_ADMIN_SUFFIX = re.compile(
    r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|地区|省|市|区|县)$"
)
_SPACE = re.compile(r"\s")
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+")
_CN_HOUSE_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=号|室|单元|栋|幢|楼|层|弄)")
_RULES = (
    ("prov", r"(?:北京|天津|上海|重庆)市?|[\u4e00-\u9fff]{2,8}?(?:省|自治区|特别行政区)"),
    ("city", r"[\u4e00-\u9fff]{2,6}?(?:自治州|地区|盟|市)"),
    ("district", r"[\u4e00-\u9fff]{1,6}?(?:区|县|旗|市)(?!场)"),
    ("town", r"[\u4e00-\u9fff]{1,6}?(?:街道|镇|乡)"),
    ("community", r"[\u4e00-\u9fff]{1,8}?(?:社区|村|居委会)"),
    ("road", r"[\u4e00-\u9fff0-9]{1,10}?(?:大道|路|街|巷|弄|胡同)"),
    ("roadno", r"\d+(?:-\d+)?(?:号|弄)(?!楼)"),
    (
        "poi",
        r"[\u4e00-\u9fffA-Za-z]{2,12}?(?:小区|大厦|花园|公寓|广场|中心|苑|园|城|府|庭|湾|大楼|家园)",
    ),
    ("houseno", r"(?:\d+|[A-Za-z])(?:号楼|栋|幢|座|号)"),
    ("cellno", r"\d+单元"),
    ("floorno", r"\d+(?:楼|层)"),
    ("roomno", r"\d+(?:室|房)?"),
)


class AddressParser:
    """Parses Chinese addresses with a trained model when given one, rules otherwise."""

    def __init__(self, model: Language | None = None, *, fast: bool = True) -> None:
        """``fast=False`` runs the model through spaCy's own tok2vec and NER code (the
        reference for :class:`CachedTok2Vec` and :class:`GreedyNer`)."""
        self.model = model
        self._decoder: GreedyNer | None = None
        self._encoder: CachedTok2Vec | None = None
        self._crf: AddressCrfTagger | None = None
        # Character-segmented models: CharTokens makes the tokenizer's Docs in linear time.
        self._tokenizer: CharTokens | None = None
        tokenizer = getattr(model, "tokenizer", None)
        if fast and CharTokens.supports(tokenizer):
            self._tokenizer = CharTokens(tokenizer)
        names = list(getattr(model, "pipe_names", ()))
        if fast and model is not None and names == ["ner"]:
            self._crf = self._crf_component(model)
        if fast and model is not None and names[-1:] == ["ner"] and self._crf is None:
            from fraudgraph.nlp.cached_tok2vec import CachedTok2Vec
            from fraudgraph.nlp.greedy_ner import GreedyNer

            if GreedyNer.supports(model.get_pipe("ner")):
                self._decoder = GreedyNer(model.get_pipe("ner"))
                tok2vec = model.get_pipe("tok2vec") if names[-2:-1] == ["tok2vec"] else None
                if CachedTok2Vec.supports(tok2vec):
                    self._encoder = CachedTok2Vec(tok2vec)
        self._rules = [(label, re.compile(pattern)) for label, pattern in _RULES]
        self._cache: dict[str, tuple[tuple[str, str], ...]] = {}

    @staticmethod
    def _crf_component(model: Language) -> AddressCrfTagger | None:
        """The fast tagger of a pipeline that is only a CRF tagger (else None)."""
        from fraudgraph.nlp.address_crf_tagger import AddressCrfTagger
        from fraudgraph.nlp.crf_ner_component import CrfNerComponent

        ner = model.get_pipe("ner")
        return AddressCrfTagger(ner) if isinstance(ner, CrfNerComponent) else None

    @classmethod
    def load(cls, path: Path | None) -> AddressParser:
        """Load the spaCy address model at ``path`` (rule-based when None or absent)."""
        if path is None or not (path / "meta.json").is_file():
            return cls()
        import spacy

        # The factories the pipelines use: spaCy NER (char features) and the CRF tagger.
        from fraudgraph.nlp import char_features, crf_ner_component  # noqa: F401
        from fraudgraph.nlp.blas_ops import BlasOps

        model = spacy.load(path)
        BlasOps.install(model)
        return cls(model)

    def parse(self, address: str) -> dict[str, str]:
        """Components of ``address`` keyed by lower-case label (first mention of each kept)."""
        if address not in self._cache:
            self.prepare([address])
        return dict(self._cache[address])

    def prepare(self, addresses: Iterable[str], batch_size: int = 256) -> None:
        """Parse many addresses at once (``nlp.pipe``) so that later :meth:`parse` calls are
        cache hits; the extractor calls this once per batch of records."""
        todo = list(dict.fromkeys(a for a in addresses if a not in self._cache))
        if not todo:
            return
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()  # a crude bound; addresses repeat within a batch, not forever
        texts = [unicodedata.normalize("NFKC", address).strip() for address in todo]
        if self.model is not None:
            all_spans = self._model_spans(texts, batch_size)
        else:
            all_spans = [self._rule_spans(_CN_HOUSE_NUMBER.sub(self._digits, t)) for t in texts]
        for address, spans in zip(todo, all_spans, strict=True):
            parts: dict[str, str] = {}
            for label, value in spans:
                parts.setdefault(label.lower(), value)
            self._cache[address] = tuple(parts.items())

    def _model_spans(self, texts: list[str], batch_size: int) -> list[list[tuple[str, str]]]:
        """Spans of a batch with the model: well-formed addresses take the rule fast path."""
        assert self.model is not None
        all_spans = [self._well_formed_spans(text) for text in texts]
        hard = [i for i, spans in enumerate(all_spans) if spans is None]
        if self._crf is not None:
            # Whitespace-free texts: one token per character, so the tagger's character spans
            # are exactly the Doc's entities. Others go through the Docs (token alignment).
            plain = [i for i in hard if not _SPACE.search(texts[i])]
            found = self._crf.predict([texts[i] for i in plain])
            for i, spans in zip(plain, found, strict=True):
                all_spans[i] = [(label, texts[i][start:end]) for start, end, label in spans]
            hard = [i for i in hard if all_spans[i] is None]
        docs = self._pipe([texts[i] for i in hard], batch_size)
        for i, doc in zip(hard, docs, strict=True):
            all_spans[i] = [(ent.label_, ent.text) for ent in doc.ents]
        return [spans or [] for spans in all_spans]

    def _pipe(self, texts: list[str], batch_size: int) -> Iterator[Doc]:
        assert self.model is not None
        inputs: Iterable[str | Doc] = (
            texts if self._tokenizer is None else map(self._tokenizer, texts)
        )
        if self._decoder is None:
            return iter(self.model.pipe(inputs, batch_size=batch_size))
        if self._encoder is None:
            docs = self.model.pipe(inputs, batch_size=batch_size, disable=[self._decoder.name])
        else:
            skip = ["tok2vec", self._decoder.name]
            docs = self._encoder.pipe(self.model.pipe(inputs, batch_size=batch_size, disable=skip))
        return self._decoder.pipe(docs, batch_size=batch_size)

    def _well_formed_spans(self, text: str) -> list[tuple[str, str]] | None:
        """Rule spans of an address written in the standard administrative order, else None.

        Accepted only when the rules read every character and find a province or city, a
        district (of at most :data:`_MAX_DISTRICT` characters), a road and a road number:
        ``浙江省杭州市西湖区文三路100号2幢301室``. Anything else (missing levels, Chinese
        numerals, free word order, English) goes to the statistical model.
        """
        spans, position = self._rule_read(text)
        parts = dict(spans)
        if position != len(text) or not _WELL_FORMED.issubset(parts):
            return None
        if not ("prov" in parts or "city" in parts) or len(parts["district"]) > _MAX_DISTRICT:
            return None
        return spans

    def _rule_spans(self, text: str) -> list[tuple[str, str]]:
        return self._rule_read(text)[0]

    def _rule_read(self, text: str) -> tuple[list[tuple[str, str]], int]:
        """Rule spans in order and the position where reading stopped."""
        spans: list[tuple[str, str]] = []
        position = 0
        for label, pattern in self._rules:
            match = pattern.match(text, position)
            if match:
                spans.append((label, match.group(0)))
                position = match.end()
            while position < len(text) and text[position] in " ,，-_#":
                position += 1
        return spans, position

    def key(self, address: str) -> str:
        """A matching key: specific components, normalised, ``|``-joined.

        City and province are kept only when nothing more specific is present, because a
        district or road number already pins the place and writers often omit them.
        """
        return self.key_from_parts(self.parse(address))

    @staticmethod
    def key_from_parts(parts: dict[str, str]) -> str:
        """The key of already-parsed components (see :meth:`key`)."""
        specific = [(name, parts[name]) for name in KEY_PARTS if parts.get(name)]
        if not any(name == "district" for name, _ in specific):
            broader = [(n, parts[n]) for n in ("prov", "city") if parts.get(n)]
            specific = broader[-1:] + specific
        return "|".join(f"{name}={AddressParser._normal(value)}" for name, value in specific)

    @staticmethod
    def _digits(match: re.Match[str]) -> str:
        number = AmountParser.chinese_number(match.group(0))
        return match.group(0) if number is None else str(number)

    @staticmethod
    @functools.lru_cache(maxsize=_NORMAL_CACHE)
    def _normal(value: str) -> str:
        value = _ADMIN_SUFFIX.sub("", value) or value
        value = _CN_NUMBER.sub(AddressParser._digits, value)
        value = value.lower().replace(" ", "")
        # "2栋", "2幢", "2号楼" are one building; the key already names the part.
        return _UNIT_SUFFIX.sub("", value) or value
