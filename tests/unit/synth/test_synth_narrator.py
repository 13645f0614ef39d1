"""Annotated texts: every recorded span is exactly the value written into the text."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from fraudgraph.synth.annotated_text import AnnotatedText
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.narrator import SLOT_KINDS, Narrator

values = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)


@given(st.lists(st.tuples(values, st.booleans()), min_size=1, max_size=8))
def test_spans_match_what_was_appended(pieces: list[tuple[str, bool]]) -> None:
    text = AnnotatedText()
    for value, is_entity in pieces:
        if is_entity:
            text.add_entity(value, "PERSON", value.upper())
        else:
            text.add(value)
    assert text.text == "".join(v for v, _ in pieces)
    assert [text.text[e["start"] : e["end"]] for e in text.entities] == [v for v, e in pieces if e]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(["zh", "en"]), values, values)
def test_rendered_templates_annotate_every_entity_slot(
    seed: int, language: str, written: str, canonical: str
) -> None:
    catalog = Catalog.load()
    narrator = Narrator(catalog, random.Random(seed))
    slots = {name: (f"{written}{name}", canonical) for name in SLOT_KINDS}
    plain = ("YEARS", "TITLE", "RELATION", "MONTH", "UTIL_MEMO", "LAST4")
    slots |= {name: (name.lower(), "") for name in plain}
    for group in catalog.text[language]:
        rendered = narrator.render(language, group, slots)
        assert rendered is not None
        for entity in rendered.entities:
            span = rendered.text[entity["start"] : entity["end"]]
            assert span.startswith(written)
            slot = span[len(written) :]
            assert entity["label"] == SLOT_KINDS[slot].value
            assert entity["canonical"] == canonical
        assert "{" not in rendered.text.replace(written, "")


def test_render_returns_none_when_no_template_fits() -> None:
    narrator = Narrator(Catalog.load(), random.Random(0))
    assert narrator.render("zh", "remarks_email", {}) is None
