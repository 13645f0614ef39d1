"""The typed payload of a drawn neighbourhood: nodes, edges, and why it stopped growing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Properties never shown (free text is long; provenance is on the edges).
_HIDDEN = frozenset({"purpose", "employment", "remarks", "evidence", "explanation_zh"})


@dataclass(frozen=True, slots=True)
class GraphNode:
    """One node: ``id`` is ``Label:key`` (readable and stable across exports)."""

    id: str
    label: str
    key: str
    title: str
    degree: int
    hop: int
    hub: bool = False
    props: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """One relationship, ``source`` -> ``target`` as stored in Neo4j."""

    source: str
    target: str
    type: str


@dataclass(frozen=True, slots=True)
class Subgraph:
    """A bounded neighbourhood around ``seeds``.

    ``hubs`` are nodes that were reached but not expanded (more links than the hub cap);
    ``truncated`` is True when ``max_nodes`` stopped the expansion.
    """

    seeds: tuple[str, ...]
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    hops: int
    hubs: tuple[str, ...] = ()
    truncated: bool = False

    def node(self, node_id: str) -> GraphNode:
        """The node with ``node_id`` (KeyError when absent)."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def label_counts(self) -> dict[str, int]:
        """Nodes per label, most frequent first."""
        return dict(Counter(n.label for n in self.nodes).most_common())

    def neighbours(self, node_id: str) -> set[str]:
        """Ids adjacent to ``node_id`` in this subgraph."""
        out = {e.target for e in self.edges if e.source == node_id}
        return out | {e.source for e in self.edges if e.target == node_id}


def node_id(label: str, key: str) -> str:
    """The readable id of a node."""
    return f"{label}:{key}"


def display_props(props: dict[str, Any]) -> dict[str, str]:
    """Node properties as short strings (datetimes and numbers included), long text left out."""
    out: dict[str, str] = {}
    for name, value in sorted(props.items()):
        if name in _HIDDEN or value is None:
            continue
        text = str(value)
        out[name] = text if len(text) <= 80 else text[:77] + "..."
    return out


def node_title(label: str, key: str, props: dict[str, Any]) -> str:
    """A short caption: the customer's name, a ring's pattern, else the key."""
    if label == "Customer" and props.get("name"):
        return f"{props['name']} ({key})"
    if label == "Ring":
        return f"ring {key} {props.get('pattern', '')}".strip()
    return key
