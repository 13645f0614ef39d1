"""Find customers by phone, resident ID number or name (fuzzy), with the NLP stage's normalisers.

Phones and ID numbers are normalised exactly as ingest keyed them (E.164; upper-case ID), so a
number typed as ``139-1234-5678`` finds ``+8613912345678``. Names are compared on their
romanisation keys with rapidfuzz, so ``Li Wei``, ``WEI Li`` and ``李伟`` find each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from neo4j import Driver
from rapidfuzz import fuzz

from fraudgraph.errors import InvalidInputError
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ExploreQueries
from fraudgraph.nlp.checksums import upgrade_resident_id
from fraudgraph.nlp.name_normaliser import NameNormaliser
from fraudgraph.nlp.phone_parser import PhoneParser

_NON_DIGITS = re.compile(r"\D")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$|^\d{15}$")


@dataclass(frozen=True, slots=True)
class CustomerMatch:
    """A customer found by a search, how (``via``) and how well (0-100)."""

    customer_id: str
    name: str
    score: float
    via: str


class CustomerFinder:
    """Searches the graph for customers; the driver is passed in."""

    def __init__(self, driver: Driver, database: str, *, name_scan: int = 200_000) -> None:
        self._driver = driver
        self._database = database
        self._name_scan = name_scan
        self._names = NameNormaliser()

    def by_phone(self, phone: str, limit: int = 50) -> list[CustomerMatch]:
        """Customers whose records use ``phone`` (any common spelling)."""
        return self._by_identifier("Phone", phone_key(phone), limit)

    def by_id_number(self, id_number: str, limit: int = 50) -> list[CustomerMatch]:
        """Customers whose records carry the resident ID number ``id_number``."""
        return self._by_identifier("IdNumber", id_number_key(id_number), limit)

    def by_name(self, name: str, limit: int = 10, min_score: float = 80.0) -> list[CustomerMatch]:
        """Customers whose name is close to ``name``, best first."""
        wanted = self._names.keys(name)
        if not wanted:
            raise InvalidInputError("the name has no letters to match", field="name")
        rows = self._run(ExploreQueries.CUSTOMER_NAMES, limit=self._name_scan)
        matches = []
        for row in rows:
            score = self.name_score(wanted, str(row["name"]))
            if score >= min_score:
                matches.append(CustomerMatch(str(row["customer_id"]), str(row["name"]), score,
                                             "name"))  # fmt: skip
        matches.sort(key=lambda m: (-m.score, m.customer_id))
        return matches[:limit]

    def in_rings(self, limit: int = 10) -> list[dict[str, Any]]:
        """Customers in live rings: id, name, best ring score, ring ids."""
        rows = self._run(ExploreQueries.RING_CUSTOMERS, limit=limit)
        return [
            {"customer_id": r["customer_id"], "name": r["name"], "ring_score": r["score"],
             "rings": list(r["rings"])}
            for r in rows
        ]  # fmt: skip

    def names(self, customer_ids: list[str]) -> dict[str, str]:
        """Names of the customers that exist among ``customer_ids``."""
        rows = self._run(ExploreQueries.CUSTOMERS_BY_ID, ids=customer_ids)
        return {str(r["customer_id"]): str(r["name"]) for r in rows}

    def search(self, text: str, limit: int = 10) -> list[CustomerMatch]:
        """Guess what ``text`` is (ID number, phone, else a name) and search for it."""
        compact = text.strip().replace(" ", "").upper()
        if _ID_NUMBER.match(compact):
            return self.by_id_number(compact, limit)
        digits = _NON_DIGITS.sub("", text)
        if len(digits) >= 7 and len(digits) >= len(compact.lstrip("+")) - 4:
            return self.by_phone(text, limit)
        return self.by_name(text, limit)

    def name_score(self, wanted: frozenset[str], candidate: str) -> float:
        """Best rapidfuzz ratio between two names' romanisation keys (0-100)."""
        keys = self._names.keys(candidate)
        return max((fuzz.ratio(a, b) for a in wanted for b in keys), default=0.0)

    def _by_identifier(self, entity_label: str, key: str, limit: int) -> list[CustomerMatch]:
        query = ExploreQueries.customers_by_identifier(entity_label)
        rows = self._run(query, key=key, limit=limit)
        return [
            CustomerMatch(str(r["customer_id"]), str(r["name"]), 100.0,
                          f"{entity_label} {key} ({', '.join(sorted(r['via']))})")
            for r in rows
        ]  # fmt: skip

    def _run(self, query: str, **params: Any) -> list[Any]:
        with neo4j_errors():
            records, _, _ = self._driver.execute_query(query, params, database_=self._database)
        return list(records)


def phone_key(phone: str) -> str:
    """The graph key (E.164) of a phone number as typed; InvalidInputError if it is none."""
    text = phone.strip()
    parsed = PhoneParser().parse(_NON_DIGITS.sub("", text), international=text.startswith("+"))
    if parsed is None:
        raise InvalidInputError(f"{phone!r} is not a phone number", field="phone")
    return parsed.e164


def id_number_key(id_number: str) -> str:
    """The graph key of a resident ID number: no spaces, upper-case check character."""
    key = re.sub(r"[\s-]", "", id_number).upper()
    if not _ID_NUMBER.match(key):
        raise InvalidInputError(f"{id_number!r} is not a resident ID number", field="id_number")
    return (upgrade_resident_id(key) or key) if len(key) == 15 else key
