"""Bank accounts of the world as integer columns, with their labels.

Index layout: ``[debit of person 0..P-1 | credit cards | merchants | employers' payroll |
utilities | landlords | other-bank individuals | other-bank accounts used by fraud flows]``.
Account ``i < P`` is the debit account of person ``i``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudgraph.synth.blueprint import Blueprint
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.organizations import Organizations
from fraudgraph.synth.population import Population

IntArray = npt.NDArray[np.int64]
KINDS = ("debit", "credit", "merchant", "corporate", "external")
DEBIT, CREDIT, MERCHANT, CORPORATE, EXTERNAL = range(5)
NO_DATE = np.iinfo(np.int64).min
NEVER = np.iinfo(np.int32).max
DAY = 86_400


def luhn_complete(payload: IntArray, digits: int) -> IntArray:
    """Append the Luhn check digit to each ``digits``-digit integer of ``payload`` (vectorised)."""
    total = np.zeros(len(payload), dtype=np.int64)
    for position in range(digits):
        digit = payload // 10**position % 10
        if position % 2 == 0:  # rightmost payload digit is doubled
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
    return payload * 10 + (10 - total % 10) % 10


class AccountBook:
    """Owners, kinds, opening dates, card numbers and fraud labels of all accounts."""

    def __init__(
        self,
        population: Population,
        orgs: Organizations,
        blueprint: Blueprint,
        catalog: Catalog,
        rng: np.random.Generator,
    ) -> None:
        persons = population.size
        self.population = population
        self.credit_owner = np.flatnonzero(rng.random(blueprint.real_persons) < 0.35)
        sizes = {
            "debit": persons,
            "credit": len(self.credit_owner),
            "merchant": len(orgs.merchant_kind),
            "corporate": orgs.n_employers,
            "utility": len(catalog.utilities),
            "landlord": max(10, persons // 40),
            "individual": max(10, persons // 20),
            "fraud_external": blueprint.external_fraud_accounts,
        }
        self.offset: dict[str, int] = {}
        position = 0
        for name, size in sizes.items():
            self.offset[name] = position
            position += size
        self.sizes = sizes
        self.size = position
        self._build_columns(persons, catalog, rng)
        self.person_credit = np.full(persons, -1, dtype=np.int64)
        self.person_credit[self.credit_owner] = self.offset["credit"] + np.arange(sizes["credit"])
        self._build_landlords(population, catalog, rng)

    def _build_columns(self, persons: int, catalog: Catalog, rng: np.random.Generator) -> None:
        size, off, n_credit = self.size, self.offset, self.sizes["credit"]
        self.owner = np.full(size, -1, dtype=np.int64)
        self.owner[:persons] = np.arange(persons)
        self.owner[off["credit"] : off["credit"] + n_credit] = self.credit_owner
        self.kind = np.full(size, EXTERNAL, dtype=np.int8)
        self.kind[:persons] = DEBIT
        self.kind[off["credit"] : off["credit"] + n_credit] = CREDIT
        self.kind[off["merchant"] : off["merchant"] + self.sizes["merchant"]] = MERCHANT
        corporate_end = off["utility"] + self.sizes["utility"]
        self.kind[off["corporate"] : corporate_end] = CORPORATE
        self.opened = np.full(size, NO_DATE, dtype=np.int64)
        self.opened[:persons] = -rng.integers(60 * DAY, 3650 * DAY, persons)
        self.opened[off["credit"] : off["credit"] + n_credit] = -rng.integers(
            30 * DAY, 2000 * DAY, n_credit
        )
        self.balance = np.zeros(size, dtype=np.float64)
        self.balance[:persons] = np.round(rng.lognormal(np.log(5000), 1.0, persons), 2)
        self.card = np.zeros(size, dtype=np.int64)
        self._issue_cards(persons, catalog, rng)
        self.pattern = np.zeros(size, dtype=np.int8)
        self.ring = np.full(size, -1, dtype=np.int32)
        self.closed_day = np.full(size, NEVER, dtype=np.int32)

    def _issue_cards(self, persons: int, catalog: Catalog, rng: np.random.Generator) -> None:
        net = catalog.network
        debit_bins = np.asarray([int(b) for b in net["debit_bins"]], dtype=np.int64)
        has_card = rng.random(persons) < 0.8
        bins = debit_bins[rng.integers(0, len(debit_bins), persons)]
        serial = rng.integers(0, 10**9, persons)
        self.card[:persons] = np.where(has_card, luhn_complete(bins * 10**9 + serial, 15), 0)
        credit = net["credit_bins"]
        weights = np.asarray([c["weight"] for c in credit], dtype=np.float64)
        n_credit = self.sizes["credit"]
        chosen = rng.choice(len(credit), n_credit, p=weights / weights.sum())
        credit_bins = np.asarray([int(c["bin"]) for c in credit], dtype=np.int64)[chosen]
        start = self.offset["credit"]
        payload = credit_bins * 10**9 + rng.integers(0, 10**9, n_credit)
        self.card[start : start + n_credit] = luhn_complete(payload, 15)

    def _build_landlords(
        self, population: Population, catalog: Catalog, rng: np.random.Generator
    ) -> None:
        count = self.sizes["landlord"]
        self.landlord_surname = rng.integers(0, len(catalog.surnames), count)
        self.landlord_given = rng.integers(0, len(catalog.given_male) ** 2, count)
        western = rng.random(count) < 0.3
        n_west = len(catalog.western_given) * len(catalog.western_surnames)
        self.landlord_western = np.where(western, rng.integers(0, n_west, count), -1)
        self._catalog = catalog

    # --- lookups ----------------------------------------------------------------------------

    def account_id(self, index: int) -> str:
        """The account id of an index."""
        return f"ACC{index:09d}"

    def landlord_of(self, person: int) -> int:
        """Account index of the landlord a person pays rent to (stable per person)."""
        return self.offset["landlord"] + (person * 2_654_435_761) % self.sizes["landlord"]

    def landlord_name(self, account: int) -> tuple[str, str]:
        """(canonical name, language) of a landlord account's holder."""
        j = account - self.offset["landlord"]
        western = int(self.landlord_western[j])
        cat = self._catalog
        if western >= 0:
            given = cat.western_given[western % len(cat.western_given)]
            return f"{given} {cat.western_surnames[western // len(cat.western_given)]}", "en"
        chars = cat.given_male
        given_index = int(self.landlord_given[j])
        given = chars[given_index % len(chars)] + chars[given_index // len(chars)]
        return cat.surnames[int(self.landlord_surname[j])] + given, "zh"

    def card_number(self, index: int) -> str:
        """The card number of an account ("" when it has none)."""
        value = int(self.card[index])
        return str(value) if value else ""

    def established(self, persons: IntArray) -> IntArray:
        """Debit accounts of ``persons`` opened before the world starts."""
        return persons[self.opened[persons] < 0]

    def record(self, index: int, start: datetime) -> dict[str, Any]:
        """The accounts.jsonl record (fields of fraudgraph.types.Account)."""
        owner = int(self.owner[index])
        opened = int(self.opened[index])
        return {
            "account_id": self.account_id(index),
            "customer_id": f"C{owner:08d}" if owner >= 0 else None,
            "opened_at": None
            if opened == NO_DATE
            else (start + timedelta(seconds=opened)).isoformat(),
            "kind": KINDS[int(self.kind[index])],
            "card_number": self.card_number(index),
            "init_balance": float(self.balance[index]),
        }
