"""Employers and merchants of the world: large real employers, small generated companies, shells."""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt

from fraudgraph.synth.address_book import AddressBook
from fraudgraph.synth.catalog import Catalog

FloatArray = npt.NDArray[np.float64]


class Organizations:
    """Names, switchboards and offices of employers (large, small, shell) and merchants.

    Employer indices: ``[0, n_large)`` the large employers of the catalog, then small
    companies, then shell companies reserved for fraud rings.
    """

    def __init__(
        self,
        catalog: Catalog,
        addresses: AddressBook,
        sizes: tuple[int, int, int],
        region_probs: FloatArray,
        rng: np.random.Generator,
    ) -> None:
        n_small, n_shells, n_merchants = sizes
        self._catalog = catalog
        self.n_large = len(catalog.large_employers)
        self.n_small = n_small
        total = self.n_large + n_small + n_shells
        self.n_employers = total
        codes = [r.code for r in catalog.regions]
        large_regions = [codes.index(e.address_region) for e in catalog.large_employers]
        small_regions = rng.choice(len(codes), n_small + n_shells, p=region_probs)
        self.region = np.concatenate([np.asarray(large_regions), small_regions]).astype(np.int16)
        self.brand = rng.integers(0, len(catalog.brands), total).astype(np.int16)
        self.industry = rng.integers(0, len(catalog.industries), total).astype(np.int16)
        self.second_brand = self._unique_names(catalog)
        self.office = addresses.add_random(self.region.astype(np.int64), rng)
        has_board = rng.random(total) < 0.5
        has_board[self.n_large + n_small :] = False  # shells list no switchboard
        self._board_local = np.where(has_board, rng.integers(20_000_000, 89_999_999, total), 0)
        self.merchant_brand = rng.integers(0, len(catalog.brands), n_merchants).astype(np.int16)
        self.merchant_kind = rng.integers(0, len(catalog.merchant_kinds), n_merchants)

    def _unique_names(self, catalog: Catalog) -> npt.NDArray[np.int16]:
        """A second brand word (-1: none) for each company whose city, brand and industry an
        earlier company already has.

        A registered company name is unique within its registration area, so two companies
        never share one: a world that gave two employers the same name would make their staff
        look like colleagues. Chosen in order, without the random generator, so that
        everything else in a seed's world stays as it was.
        """
        second = np.full(self.n_employers, -1, dtype=np.int16)
        taken: set[tuple[str, int, int, int]] = set()
        for employer in range(self.n_large, self.n_employers):
            city = catalog.regions[int(self.region[employer])].city
            brand, industry = int(self.brand[employer]), int(self.industry[employer])
            options = (-1, *(b for b in range(len(catalog.brands)) if b != brand))
            name = next(
                (city, brand, industry, b)
                for b in options
                if (city, brand, industry, b) not in taken
            )
            taken.add(name)
            second[employer] = name[3]
        return second

    def shell(self, k: int) -> int:
        """Employer index of the k-th shell company."""
        return self.n_large + self.n_small + k

    def is_large(self, employer: int) -> bool:
        """True for the catalog's large employers."""
        return 0 <= employer < self.n_large

    def city_of(self, employer: int) -> str:
        """City where the employer's office is."""
        return self._catalog.regions[int(self.region[employer])].city

    def name(self, employer: int, language: str) -> str:
        """Official (canonical) name in ``language``."""
        if self.is_large(employer):
            large = self._catalog.large_employers[employer]
            return large.en if language == "en" else large.zh
        region = self._catalog.regions[int(self.region[employer])]
        industry = self._catalog.industries[int(self.industry[employer])]
        brands = [int(self.brand[employer]), int(self.second_brand[employer])]
        words = [b for b in brands if b >= 0]
        if language == "en":
            city = region.city_en
            brand_en = " ".join(self._catalog.brands_pinyin[b] for b in words)
            return f"{city} {brand_en} {industry[1]} Co., Ltd."
        city = region.city.removesuffix("市")
        brand_zh = "".join(self._catalog.brands[b] for b in words)
        return f"{city}{brand_zh}{industry[0]}有限公司"

    def written_name(self, employer: int, language: str, rng: random.Random) -> str:
        """The employer as an applicant writes it: often an alias or a shortened name."""
        canonical = self.name(employer, language)
        if rng.random() >= 0.35:
            return canonical
        if self.is_large(employer):
            large = self._catalog.large_employers[employer]
            return rng.choice(large.aliases_en if language == "en" else large.aliases_zh)
        if language == "en":
            return canonical.replace("Co., Ltd.", "Co. Ltd").replace(", Ltd.", " Ltd")
        city = self._catalog.regions[int(self.region[employer])].city.removesuffix("市")
        return canonical.removeprefix(city)

    def switchboard(self, employer: int) -> str:
        """E.164 switchboard number of the employer, or "" when it lists none."""
        if self.is_large(employer):
            return self._catalog.large_employers[employer].switchboard
        local = int(self._board_local[employer])
        if local == 0:
            return ""
        area = self._catalog.regions[int(self.region[employer])].area_code
        return f"+86{area[1:]}{local}"

    def merchant_name(self, merchant: int, language: str) -> str:
        """Shop name of a merchant ("恒达超市" / "Hengda Supermarket")."""
        kind = self._catalog.merchant_kinds[int(self.merchant_kind[merchant])]
        brand = int(self.merchant_brand[merchant])
        if language == "en":
            return f"{self._catalog.brands_pinyin[brand]} {kind[1]}"
        return f"{self._catalog.brands[brand]}{kind[0]}"

    def big_ticket_merchants(self) -> npt.NDArray[np.int64]:
        """Merchants selling goods easy to resell (electronics, jewellery): bust-out targets."""
        big = [i for i, k in enumerate(self._catalog.merchant_kinds) if k[2] == "big"]
        return np.flatnonzero(np.isin(self.merchant_kind, big)).astype(np.int64)
