"""Company names in a synthetic world: one registered name, one company."""

from __future__ import annotations

import random

import numpy as np

from fraudgraph.synth.address_book import AddressBook
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.organizations import Organizations


def _crowded_city(n_small: int, seed: int = 5) -> Organizations:
    """Every small company in one region: far more than its brands x industries allow
    without a second brand word, so name collisions are certain unless they are avoided."""
    catalog = Catalog.load()
    probs = np.zeros(len(catalog.regions))
    probs[0] = 1.0
    book = AddressBook(catalog, n_small + 50)
    return Organizations(catalog, book, (n_small, 5, 10), probs, np.random.default_rng(seed))


def test_no_two_companies_share_a_registered_name() -> None:
    catalog = Catalog.load()
    single = len(catalog.brands) * len(catalog.industries)  # names one brand word can make
    n_small = 2 * single
    orgs = _crowded_city(n_small)
    for language in ("zh", "en"):
        names = [orgs.name(e, language) for e in range(orgs.n_employers)]
        assert len(set(names)) == len(names)
    assert (orgs.second_brand[orgs.n_large :] >= 0).sum() >= n_small - single


def test_the_first_company_of_a_name_keeps_the_short_form() -> None:
    orgs = _crowded_city(30)
    first = orgs.n_large
    assert orgs.second_brand[first] == -1
    city = orgs.city_of(first).removesuffix("市")
    brand = Catalog.load().brands[int(orgs.brand[first])]
    assert orgs.name(first, "zh").startswith(city + brand)
    written = {orgs.written_name(first, "zh", random.Random(s)) for s in range(40)}
    assert written == {orgs.name(first, "zh"), orgs.name(first, "zh").removeprefix(city)}
