"""Postal addresses stored as integer columns and rendered in Chinese or English."""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt

from fraudgraph.synth.catalog import Catalog

IntArray = npt.NDArray[np.int64]


class AddressBook:
    """A table of residential and office addresses (region, street, number, building, room)."""

    def __init__(self, catalog: Catalog, capacity: int) -> None:
        self._catalog = catalog
        self.region = np.zeros(capacity, dtype=np.int16)
        self.street = np.zeros(capacity, dtype=np.int16)
        self.suffix = np.zeros(capacity, dtype=np.int8)
        self.number = np.zeros(capacity, dtype=np.int16)
        self.building = np.zeros(capacity, dtype=np.int8)
        self.unit = np.zeros(capacity, dtype=np.int8)
        self.room = np.zeros(capacity, dtype=np.int16)
        self.size = 0

    def add_random(self, regions: IntArray, rng: np.random.Generator) -> IntArray:
        """Append one random address in each of ``regions``; return the new indices."""
        count = len(regions)
        start, stop = self.size, self.size + count
        if stop > len(self.region):
            raise ValueError("address book capacity exceeded")
        weights = np.asarray(self._catalog.street_suffix_weights)
        self.region[start:stop] = regions
        self.street[start:stop] = rng.integers(0, len(self._catalog.street_roots), count)
        self.suffix[start:stop] = rng.choice(len(weights), count, p=weights / weights.sum())
        self.number[start:stop] = rng.integers(1, 400, count)
        self.building[start:stop] = rng.integers(1, 30, count)
        self.unit[start:stop] = rng.integers(1, 6, count)
        floors = rng.integers(1, 33, count)
        self.room[start:stop] = floors * 100 + rng.integers(1, 9, count)
        self.size = stop
        return np.arange(start, stop, dtype=np.int64)

    def canonical(self, index: int, language: str) -> str:
        """The full standard form of the address in ``language``."""
        if language == "en":
            return self._english(index)
        region = self._catalog.regions[int(self.region[index])]
        city = "" if region.is_municipality else region.city
        street = self._street_zh(index)
        return f"{region.province}{city}{region.district}{street}{self._rest_zh(index)}"

    def written(self, index: int, language: str, rng: random.Random, messiness: float) -> str:
        """The address as an applicant might type it: shortened, abbreviated or spaced."""
        if rng.random() >= messiness:
            return self.canonical(index, language)
        region = self._catalog.regions[int(self.region[index])]
        if language == "en":
            text = self._english(index)
            return rng.choice(
                [text.replace(" Road", " Rd."), text.replace(", ", " "), text.upper()]
            )
        street = self._street_zh(index)
        short = f"{int(self.building[index])}-{int(self.unit[index])}-{int(self.room[index])}"
        city = region.city if not region.is_municipality else region.province
        return rng.choice(
            [
                f"{region.district}{street}{self._rest_zh(index)}",
                f"{city}{region.district}{street}{short}",
                f"{region.province} {region.district} {street} {self._rest_zh(index)}",
            ]
        )

    def city(self, index: int) -> str:
        """The city (or municipality) of the address."""
        return self._catalog.regions[int(self.region[index])].city

    def _street_zh(self, index: int) -> str:
        root = self._catalog.street_roots[int(self.street[index])]
        suffix = self._catalog.street_suffixes[int(self.suffix[index])][0]
        return f"{root}{suffix}{int(self.number[index])}号"

    def _rest_zh(self, index: int) -> str:
        building, unit, room = (
            int(self.building[index]),
            int(self.unit[index]),
            int(self.room[index]),
        )
        return f"{building}栋{unit}单元{room}室"

    def _english(self, index: int) -> str:
        region = self._catalog.regions[int(self.region[index])]
        root = self._catalog.street_roots_pinyin[int(self.street[index])]
        suffix = self._catalog.street_suffixes[int(self.suffix[index])][1]
        city = (
            region.city_en if region.is_municipality else f"{region.city_en}, {region.province_en}"
        )
        return (
            f"Room {int(self.room[index])}, Unit {int(self.unit[index])}, "
            f"Building {int(self.building[index])}, No. {int(self.number[index])} {root} {suffix}, "
            f"{region.district_en}, {city}"
        )
