"""Maps NER labels (fraudgraph kinds or the public data sets' native tags) to EntityKind."""

from __future__ import annotations

from fraudgraph.nlp.dataset_catalog import DatasetCatalog
from fraudgraph.types import EntityKind

_NATIVE: dict[str, EntityKind] = {
    label: EntityKind(kind)
    for name in DatasetCatalog.names()
    for label, kind in DatasetCatalog.spec(name).to_kind.items()
}
NER_KINDS = frozenset(
    {
        EntityKind.PERSON,
        EntityKind.ORGANIZATION,
        EntityKind.ADDRESS,
        EntityKind.LOCATION,
        EntityKind.TITLE,
    }
)


def kind_of_label(label: str) -> EntityKind | None:
    """The EntityKind of an NER label, or None for labels fraudgraph does not use."""
    try:
        kind = EntityKind(label)
    except ValueError:
        return _NATIVE.get(label)
    return kind if kind in NER_KINDS else None
