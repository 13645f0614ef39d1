"""The reference data the synthetic world is drawn from (names, regions, organisations...).

Everything lives in JSON/CSV files under ``fraudgraph/synth/data`` so that the lists can be
reviewed and extended without touching code. :meth:`Catalog.load` reads them once per process.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Region:
    """A county-level division with its real 6-digit administrative code."""

    code: str
    province: str
    city: str
    district: str
    province_en: str
    city_en: str
    district_en: str
    area_code: str

    @property
    def is_municipality(self) -> bool:
        """Municipalities (Beijing, Chongqing...) are their own province: don't repeat the name."""
        return self.province == self.city


@dataclass(frozen=True, slots=True)
class LargeEmployer:
    """A big organisation that employs thousands of the customers (benign sharing)."""

    zh: str
    en: str
    aliases_zh: tuple[str, ...]
    aliases_en: tuple[str, ...]
    city: str
    share: float
    switchboard: str
    address_region: str


@dataclass(frozen=True, slots=True)
class Catalog:
    """All reference lists, loaded from the data folder."""

    regions: tuple[Region, ...]
    surnames: tuple[str, ...]
    surname_pinyin: tuple[str, ...]
    surname_weights: tuple[float, ...]
    given_male: tuple[str, ...]
    given_female: tuple[str, ...]
    char_pinyin: dict[str, str]
    given_homophones: tuple[str, ...]
    surname_homophones: tuple[str, ...]
    english_given_male: tuple[str, ...]
    english_given_female: tuple[str, ...]
    western_given: tuple[str, ...]
    western_surnames: tuple[str, ...]
    street_roots: tuple[str, ...]
    street_roots_pinyin: tuple[str, ...]
    street_suffixes: tuple[tuple[str, str], ...]
    street_suffix_weights: tuple[float, ...]
    large_employers: tuple[LargeEmployer, ...]
    brands: tuple[str, ...]
    brands_pinyin: tuple[str, ...]
    industries: tuple[tuple[str, str], ...]
    titles: tuple[tuple[str, str], ...]
    merchant_kinds: tuple[tuple[str, str, str], ...]
    utilities: tuple[dict[str, str], ...]
    network: dict[str, Any]
    text: dict[str, Any]

    @staticmethod
    @cache
    def load(data_dir: Path = DATA_DIR) -> Catalog:
        """Read every data file (cached per folder)."""
        names = _json(data_dir / "names.json")
        streets = _json(data_dir / "streets.json")
        orgs = _json(data_dir / "organizations.json")
        return Catalog(
            regions=_regions(data_dir / "regions.csv"),
            surnames=tuple(s["zh"] for s in names["surnames"]),
            surname_pinyin=tuple(s["pinyin"] for s in names["surnames"]),
            surname_weights=tuple(float(s["weight"]) for s in names["surnames"]),
            given_male=tuple(names["given_chars_male"]),
            given_female=tuple(names["given_chars_female"]),
            char_pinyin=dict(names["char_pinyin"]),
            given_homophones=tuple(names["given_homophones"]),
            surname_homophones=tuple(names["surname_homophones"]),
            english_given_male=tuple(names["english_given_male"]),
            english_given_female=tuple(names["english_given_female"]),
            western_given=tuple(names["western_given"]),
            western_surnames=tuple(names["western_surnames"]),
            street_roots=tuple(r["zh"] for r in streets["roots"]),
            street_roots_pinyin=tuple(r["pinyin"] for r in streets["roots"]),
            street_suffixes=tuple((s["zh"], s["en"]) for s in streets["suffixes"]),
            street_suffix_weights=tuple(float(s["weight"]) for s in streets["suffixes"]),
            large_employers=tuple(_large_employer(e) for e in orgs["large"]),
            brands=tuple(b["zh"] for b in orgs["brands"]),
            brands_pinyin=tuple(b["pinyin"] for b in orgs["brands"]),
            industries=tuple((i["zh"], i["en"]) for i in orgs["industries"]),
            titles=tuple((t["zh"], t["en"]) for t in orgs["titles"]),
            merchant_kinds=tuple((m["zh"], m["en"], m["spend"]) for m in orgs["merchant_kinds"]),
            utilities=tuple(orgs["utilities"]),
            network=_json(data_dir / "network.json"),
            text=_json(data_dir / "text.json"),
        )

    def pinyin(self, chars: str) -> str:
        """Romanise a given name written with the catalog's characters ("晓明" -> "Xiaoming")."""
        return "".join(self.char_pinyin[c] for c in chars).capitalize()


def _json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _regions(path: Path) -> tuple[Region, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(Region(**row) for row in csv.DictReader(handle))


def _large_employer(raw: dict[str, Any]) -> LargeEmployer:
    return LargeEmployer(
        zh=raw["zh"],
        en=raw["en"],
        aliases_zh=tuple(raw["aliases_zh"]),
        aliases_en=tuple(raw["aliases_en"]),
        city=raw["city"],
        share=float(raw["share"]),
        switchboard=raw["switchboard"],
        address_region=raw["address_region"],
    )
