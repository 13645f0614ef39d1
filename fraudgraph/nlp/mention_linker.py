"""SAME_AS candidates between distinct canonical values of names, organisations, addresses."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable

from fraudgraph.nlp.entity_resolver import SameAsLink
from fraudgraph.nlp.name_normaliser import NameNormaliser
from fraudgraph.nlp.organisation_normaliser import OrganisationNormaliser
from fraudgraph.types import EntityKind


class MentionLinker:
    """SAME_AS candidates between distinct canonical values of names, addresses and employers.

    Works on graph keys (``Entity.canonical``): ``阿里巴巴(中国)有限公司`` and ``阿里巴巴集团``
    share the core ``阿里巴巴``; two address keys that differ only in a missing building are close
    under rapidfuzz. Link ends are ``"KIND:canonical"`` strings.
    """

    def __init__(self, similarity: float = 0.9, max_block: int = 200) -> None:
        self.similarity = similarity
        self.max_block = max_block
        self.names = NameNormaliser()
        self.organisations = OrganisationNormaliser()

    def link(self, mentions: Iterable[tuple[EntityKind, str]]) -> list[SameAsLink]:
        """Links between distinct (kind, canonical) values judged to be the same thing."""
        from rapidfuzz import fuzz

        blocks: dict[str, set[str]] = defaultdict(set)
        for kind, canonical in mentions:
            for key in self._block_keys(kind, canonical):
                blocks[key].add(f"{kind.value}:{canonical}")
        links: dict[tuple[str, str], SameAsLink] = {}
        for block, members in blocks.items():
            if len(members) < 2 or len(members) > self.max_block:
                continue
            for left, right in itertools.combinations(sorted(members), 2):
                score = self._score(block, left, right, fuzz.ratio)
                if score >= self.similarity:
                    evidence = (block.split(":", 1)[0], f"similarity:{score:.2f}")
                    links[(left, right)] = SameAsLink(
                        left, right, round(score, 4), evidence, "fuzzy"
                    )
        return sorted(links.values(), key=lambda link: (-link.confidence, link.left, link.right))

    def _block_keys(self, kind: EntityKind, canonical: str) -> list[str]:
        if kind is EntityKind.PERSON:
            return [f"romanised:{key}" for key in self.names.keys(canonical)]
        if kind is EntityKind.ORGANIZATION:
            core = self.organisations.core(canonical)
            return [f"core:{core}"] if core else []
        if kind is EntityKind.ADDRESS:
            # Block on the road part of the key: variants of one address share their road.
            roads = [part for part in canonical.split("|") if part.startswith("road=")]
            return [f"road:{roads[0]}"] if roads else []
        return []

    def _score(
        self, block: str, left: str, right: str, ratio: Callable[[str, str], float]
    ) -> float:
        if block.startswith(("core:", "romanised:")):
            # Same organisation core or same romanisation: as strong as an exact key, but
            # kept below 1 because homophones and namesakes exist.
            return 0.95
        left_key, right_key = left.split(":", 1)[1], right.split(":", 1)[1]
        if block.startswith("road:") and _conflict(left_key, right_key):
            return 0.0
        return ratio(left_key, right_key) / 100.0


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
