"""SAME_AS candidates between distinct canonical values of names, organisations, addresses."""

from __future__ import annotations

import functools
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from fraudgraph.nlp.entity_resolver import SameAsLink
from fraudgraph.nlp.name_normaliser import NameNormaliser
from fraudgraph.nlp.organisation_directory import OrganisationDirectory
from fraudgraph.nlp.organisation_normaliser import OrganisationNormaliser
from fraudgraph.types import EntityKind

#: A Chinese organisation core written with a region in front of it: 南京凯旋科技 / 凯旋科技.
#: Below the 0.95 of a shared core because the leading characters are only assumed to be a
#: place name.
REGION_PREFIX_CONFIDENCE = 0.85
#: Lengths of the place name a Chinese company name may start with (南京, 黑龙江, 乌鲁木齐).
_PREFIX_LENGTHS = (2, 3, 4)
#: A shorter core is a trade name plus an industry at least (凯旋科技); two or three characters
#: are too often shared by unrelated firms.
_MIN_SHORT_CORE = 4
_CHINESE_CORE = re.compile(r"[\u4e00-\u9fff]+")
#: An English name and a Chinese one that read alike in toneless pinyin once the English
#: industry words are put into Chinese: below a region prefix because homophones exist.
PINYIN_CONFIDENCE = 0.8
_LATIN_CORE = re.compile(r"[a-z0-9]+")
#: Chinese industry terms with their usual English renderings (``zh<TAB>en`` rows).
INDUSTRY_TERMS = Path(__file__).resolve().parents[2] / "nlp" / "patterns" / "org_industry_terms.tsv"
#: Two names an organisation directory gives one entry: as sure as a region prefix would be,
#: below a shared core, because the directory is someone's list and can be out of date.
DIRECTORY_CONFIDENCE = 0.9


class MentionLinker:
    """SAME_AS candidates between distinct canonical values of names, addresses and employers.

    Works on graph keys (``Entity.canonical``): ``阿里巴巴(中国)有限公司`` and ``阿里巴巴集团``
    share the core ``阿里巴巴``; ``南京凯旋科技有限公司`` and ``凯旋科技有限公司`` differ by a
    city in front of the core; two address keys that differ only in a missing building are
    close under rapidfuzz. With an organisation ``directory``, the keys whose cores are names
    of one directory entry are linked too (abbreviations, translations). Link ends are
    ``"KIND:canonical"`` strings.
    """

    def __init__(
        self,
        similarity: float = 0.9,
        max_block: int = 200,
        directory: OrganisationDirectory | None = None,
    ) -> None:
        self.similarity = similarity
        self.max_block = max_block
        self.directory = directory
        self.names = NameNormaliser()
        self.organisations = OrganisationNormaliser()

    def link(self, mentions: Iterable[tuple[EntityKind, str]]) -> list[SameAsLink]:
        """Links between distinct (kind, canonical) values judged to be the same thing."""
        blocks: dict[str, set[str]] = defaultdict(set)
        cores: dict[str, str] = {}  # organisation end -> its core
        for kind, canonical in mentions:
            end = f"{kind.value}:{canonical}"
            if kind is EntityKind.ORGANIZATION:
                core = self.organisations.core(canonical)
                if core:
                    cores[end] = core
                    blocks[f"core:{core}"].add(end)
                continue
            for key in self._block_keys(kind, canonical):
                blocks[key].add(end)
        links: dict[tuple[str, str], SameAsLink] = {}
        for link in self._block_links(blocks):
            links[(link.left, link.right)] = link
        for link in itertools.chain(
            self._region_links(cores), self._pinyin_links(cores), self._directory_links(cores)
        ):
            links.setdefault((link.left, link.right), link)  # a fuzzy link is the stronger
        return sorted(links.values(), key=lambda link: (-link.confidence, link.left, link.right))

    def _block_keys(self, kind: EntityKind, canonical: str) -> list[str]:
        if kind is EntityKind.PERSON:
            return [f"romanised:{key}" for key in self.names.keys(canonical)]
        if kind is EntityKind.ADDRESS:
            # Block on the road part of the key: variants of one address share their road.
            roads = [part for part in canonical.split("|") if part.startswith("road=")]
            return [f"road:{roads[0]}"] if roads else []
        return []

    def _block_links(self, blocks: Mapping[str, set[str]]) -> Iterator[SameAsLink]:
        from rapidfuzz import fuzz

        for block, members in blocks.items():
            if len(members) < 2 or len(members) > self.max_block:
                continue
            for left, right in itertools.combinations(sorted(members), 2):
                score = self._score(block, left, right, fuzz.ratio)
                if score >= self.similarity:
                    evidence = (block.split(":", 1)[0], f"similarity:{score:.2f}")
                    yield SameAsLink(left, right, round(score, 4), evidence, "fuzzy")

    def _score(
        self, block: str, left: str, right: str, ratio: Callable[[str, str], float]
    ) -> float:
        left_key, right_key = left.split(":", 1)[1], right.split(":", 1)[1]
        if block.startswith("romanised:") and all(map(_CHINESE_CORE.search, (left_key, right_key))):
            # Two names in characters that only sound alike (郑妍, 郑艳) are two names: the
            # romanisation joins a name to its pinyin spelling, not homophones to each other.
            return 0.0
        if block.startswith(("core:", "romanised:")):
            # Same organisation core or same romanisation: as strong as an exact key, but
            # kept below 1 because homophones and namesakes exist.
            return 0.95
        if block.startswith("road:") and _conflict(left_key, right_key):
            return 0.0
        return ratio(left_key, right_key) / 100.0

    def _region_links(self, cores: Mapping[str, str]) -> Iterator[SameAsLink]:
        """Chinese cores equal to another core after its first 2 to 4 characters (a place)."""
        # Block on each core and on each tail a place name could leave: the members of block
        # T are the cores equal to T (prefix "") and those that are a prefix plus T.
        tails: dict[str, dict[str, str]] = defaultdict(dict)
        for end, core in cores.items():
            if not _CHINESE_CORE.fullmatch(core):
                continue
            tails[core][end] = ""
            for cut in _PREFIX_LENGTHS:
                if len(core) - cut >= _MIN_SHORT_CORE:
                    tails[core[cut:]][end] = core[:cut]
        for members in tails.values():
            yield from self._region_block(members)

    def _region_block(self, members: Mapping[str, str]) -> Iterator[SameAsLink]:
        if len(members) < 2 or len(members) > self.max_block:
            return
        short = [end for end, prefix in members.items() if not prefix]
        prefixes = {prefix for prefix in members.values() if prefix}
        # One trade name can exist in two cities: with 南京凯旋科技 and 北京凯旋科技 both present
        # the bare 凯旋科技 could be either, so it is linked to neither.
        if not short or len(prefixes) != 1:
            return
        (prefix,) = prefixes
        evidence = ("region_prefix", f"prefix:{prefix}")
        for bare, placed in itertools.product(short, (e for e, p in members.items() if p)):
            left, right = sorted((bare, placed))
            yield SameAsLink(left, right, REGION_PREFIX_CONFIDENCE, evidence, "region_prefix")

    def _directory_links(self, cores: Mapping[str, str]) -> Iterator[SameAsLink]:
        """Keys whose cores name one directory entry: each joined to the entry's first key
        (a star: the SAME_AS component is the same as with every pair, in n - 1 links)."""
        if self.directory is None:
            return
        groups: dict[str, list[str]] = defaultdict(list)
        for end, core in cores.items():
            entry = self.directory.entry(core)
            if entry is not None:
                groups[entry].append(end)
        for entry, ends in groups.items():
            hub, *others = sorted(ends)
            for end in others:
                left, right = sorted((hub, end))
                evidence = ("directory", f"entry:{entry}")
                yield SameAsLink(left, right, DIRECTORY_CONFIDENCE, evidence, "directory")

    def _pinyin_links(self, cores: Mapping[str, str]) -> Iterator[SameAsLink]:
        """English cores whose words, the industry put into pinyin, spell a Chinese core."""
        english: dict[str, set[str]] = defaultdict(set)  # pinyin key -> English ends
        for end, core in cores.items():
            if _LATIN_CORE.fullmatch(core):
                for key in _english_keys(core):
                    english[key].add(end)
        if not english:
            return  # no English name: spare the pinyin of every Chinese core
        matches: dict[str, dict[str, str]] = defaultdict(dict)  # English end -> Chinese end -> key
        for end, core in cores.items():
            if not _CHINESE_CORE.fullmatch(core):
                continue
            for key in _chinese_keys(core):
                block = english.get(key)
                if block and len(block) <= self.max_block:
                    for english_end in block:
                        matches[english_end][end] = key
        for english_end, chinese in matches.items():
            yield from _pinyin_block(english_end, chinese, cores)


def _pinyin_block(
    english_end: str, chinese: Mapping[str, str], cores: Mapping[str, str]
) -> Iterator[SameAsLink]:
    # Two Chinese cores that one English name reads as (homophones, or 建筑 and 建设 both
    # rendered "construction") leave it unknown which firm the English name means.
    if len({cores[end] for end in chinese}) != 1:
        return
    for chinese_end, key in chinese.items():
        left, right = sorted((english_end, chinese_end))
        yield SameAsLink(left, right, PINYIN_CONFIDENCE, ("pinyin", f"pinyin:{key}"), "pinyin")


class _IndustryTerms(NamedTuple):
    #: English rendering without spaces ("informationtechnology") -> pinyin of its terms.
    renderings: dict[str, list[str]]
    #: Chinese term -> its pinyin, the term read on its own.
    readings: dict[str, str]
    rendering_lengths: frozenset[int]
    term_lengths: frozenset[int]


@functools.cache
def _industry_terms() -> _IndustryTerms:
    """The industry dictionary (:data:`INDUSTRY_TERMS`), read once."""
    renderings: dict[str, list[str]] = defaultdict(list)
    readings: dict[str, str] = {}
    for line in INDUSTRY_TERMS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, rendering = line.split("\t")
        readings[term] = _pinyin(term)
        renderings[re.sub(r"[^a-z0-9]", "", rendering.lower())].append(readings[term])
    return _IndustryTerms(
        dict(renderings),
        readings,
        frozenset(map(len, renderings)),
        frozenset(map(len, readings)),
    )


@functools.lru_cache(maxsize=65536)
def _english_keys(core: str) -> frozenset[str]:
    """``nanjingkaixuantechnology`` -> ``nanjingkaixuankeji``: the trade words kept, a
    trailing industry rendering replaced by the pinyin of its Chinese term."""
    terms = _industry_terms()
    keys: set[str] = set()
    for length in terms.rendering_lengths:
        head = core[:-length]
        if head:
            keys.update(head + reading for reading in terms.renderings.get(core[-length:], ()))
    return frozenset(keys)


@functools.lru_cache(maxsize=65536)
def _chinese_keys(core: str) -> frozenset[str]:
    """Pinyin of a Chinese core that ends in a known industry term (only such a core can be
    spelt by an English key), the term read on its own as the English side reads it."""
    terms = _industry_terms()
    keys: set[str] = set()
    for length in terms.term_lengths:
        reading = terms.readings.get(core[-length:])
        if reading is not None and len(core) > length:
            keys.add(_pinyin(core[:-length]) + reading)
    return frozenset(keys)


def _pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


def _conflict(left: str, right: str) -> bool:
    """True when two address keys give one number (road, building, unit, room ...) different
    values: No. 8 and No. 9 of a road are neighbours, not spellings of one address. Names may
    differ by a typo, and a component one key lacks is no conflict."""
    left_numbers = _numbers(left)
    right_numbers = _numbers(right)
    return any(
        left_numbers[label] != right_numbers[label]
        for label in left_numbers.keys() & right_numbers.keys()
    )


def _numbers(key: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in key.split("|") if "=" in part)
    return {label: value for label, value in pairs if label.endswith("no")}
