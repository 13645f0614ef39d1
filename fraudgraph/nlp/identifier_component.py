"""spaCy component that runs :class:`IdentifierMatcher` and stores its findings on the Doc.

Matches are kept as character spans in ``doc._.fg_identifiers`` rather than ``doc.ents``:
identifiers need not align with tokens ("tel:13912345678" is one English token) and must not
fight with the statistical NER over overlapping spans.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from fraudgraph.nlp.identifier_matcher import IdentifierMatch, IdentifierMatcher
from fraudgraph.types import EntityKind

FACTORY = "fraudgraph_identifiers"
EXTENSION = "fg_identifiers"

if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)


class IdentifierComponent:
    """Annotates each Doc with the identifiers found in its text."""

    def __init__(self, name: str, kinds: list[str] | None) -> None:
        self.name = name
        self.kinds = None if kinds is None else frozenset(EntityKind(kind) for kind in kinds)
        self.matcher = IdentifierMatcher()

    def __call__(self, doc: Doc) -> Doc:
        found = self.matcher.find(doc.text)
        if self.kinds is not None:
            found = [match for match in found if match.kind in self.kinds]
        doc._.set(EXTENSION, found)
        return doc

    @staticmethod
    def matches(doc: Doc) -> list[IdentifierMatch]:
        """The matches stored on ``doc`` (empty if the component did not run)."""
        value = doc._.get(EXTENSION)
        return list(value) if value else []


@Language.factory(FACTORY, default_config={"kinds": None})
def make_identifiers(nlp: Language, name: str, kinds: list[str] | None) -> IdentifierComponent:
    """spaCy factory of :class:`IdentifierComponent`; ``kinds`` restricts what is reported."""
    return IdentifierComponent(name, kinds)
