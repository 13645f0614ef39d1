"""Search keys: phones and ID numbers keyed as ingest keys them, fuzzy names across scripts."""

from __future__ import annotations

from typing import cast

import pytest
from neo4j import Driver

from fraudgraph.errors import InvalidInputError
from fraudgraph.explore.customer_finder import CustomerFinder, id_number_key, phone_key
from fraudgraph.nlp.checksums import is_resident_id


@pytest.mark.parametrize(
    "typed",
    [
        "139-1234-5678",
        "+86 139 1234 5678",
        "(+86) 13912345678",
        "0086 139 1234 5678",
        "13912345678",
    ],
)
def test_phone_spellings_give_the_graph_key(typed: str) -> None:
    assert phone_key(typed) == "+8613912345678"


def test_landline_and_junk_phones() -> None:
    assert phone_key("010-6552-9988") == "+861065529988"
    with pytest.raises(InvalidInputError):
        phone_key("12345")


def test_id_numbers_are_upper_cased_and_old_ones_upgraded() -> None:
    assert id_number_key("11010519491231002x") == "11010519491231002X"
    upgraded = id_number_key("110105491231002")  # first-generation 15-digit number
    assert len(upgraded) == 18
    assert upgraded.startswith("11010519491231")
    assert is_resident_id(upgraded)
    with pytest.raises(InvalidInputError):
        id_number_key("not-an-id")


def test_names_match_across_scripts_and_order() -> None:
    finder = CustomerFinder(cast(Driver, None), "neo4j")
    wanted = finder._names.keys("Li Wei")
    assert finder.name_score(wanted, "李伟") == 100.0
    assert finder.name_score(wanted, "WEI Li") == 100.0
    assert finder.name_score(wanted, "李薇薇") < 100.0
    assert finder.name_score(wanted, "Zhou Xingchi") < 60.0
