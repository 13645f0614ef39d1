"""A ring drawn as a picture: members, the identifiers binding them, and the links between them.

The layout is computed here (networkx spring layout with a fixed seed, so a ring always looks
the same) and the page renders it as inline SVG: no JavaScript, nothing fetched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import networkx as nx

from fraudgraph.console.ring_desk import BindingEdge, MemberEdge
from fraudgraph.rings.ring_candidate import split_key

WIDTH: Final = 960
HEIGHT: Final = 560
MARGIN: Final = 30
#: Room on the right for the labels of the rightmost nodes.
LABEL_ROOM: Final = 90
#: Above this many nodes the labels are left to the tooltips.
LABELLED_NODES: Final = 60


@dataclass(frozen=True, slots=True)
class DrawnNode:
    """One node at its place; ``kind`` is the node label (the CSS class colours it)."""

    node_id: str
    kind: str
    label: str
    x: float
    y: float
    radius: float
    member: bool
    title: str


@dataclass(frozen=True, slots=True)
class DrawnEdge:
    """One line between two placed nodes; ``kind`` is the binding identifier's kind."""

    x1: float
    y1: float
    x2: float
    y2: float
    kind: str


@dataclass(frozen=True, slots=True)
class RingGraph:
    """The placed nodes and edges of one ring, and the kinds present (for the legend)."""

    nodes: tuple[DrawnNode, ...]
    edges: tuple[DrawnEdge, ...]
    kinds: tuple[str, ...]
    width: int = WIDTH
    height: int = HEIGHT
    labelled: bool = True

    @classmethod
    def build(
        cls,
        member_scores: Mapping[str, float],
        binding_edges: Sequence[BindingEdge],
        member_edges: Sequence[MemberEdge],
    ) -> RingGraph:
        """Lay out members (sized by score) and identifiers (squares) with their links."""
        graph = nx.Graph()
        for member in sorted(member_scores):
            graph.add_node(member)
        edge_kinds: dict[tuple[str, str], str] = {}
        for kind, key, member in binding_edges:
            ident = f"{kind}:{key}"
            graph.add_edge(ident, member)
            edge_kinds[(ident, member)] = kind
        for source, target, kind in member_edges:
            graph.add_edge(source, target)
            edge_kinds[(source, target)] = kind
        places = cls._layout(graph)
        nodes = tuple(cls._node(n, places[n], member_scores) for n in sorted(graph.nodes))
        edges = tuple(
            DrawnEdge(*places[a], *places[b], kind) for (a, b), kind in edge_kinds.items()
        )
        kinds = tuple(sorted({n.kind for n in nodes}))
        return cls(nodes, edges, kinds, labelled=len(nodes) <= LABELLED_NODES)

    @staticmethod
    def _layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
        """Node -> (x, y) inside the drawing's margins."""
        if graph.number_of_nodes() == 0:
            return {}
        if graph.number_of_nodes() == 1:
            only = next(iter(graph.nodes))
            return {only: (WIDTH / 2, HEIGHT / 2)}
        k = 1.6 / math.sqrt(graph.number_of_nodes())
        raw = nx.spring_layout(graph, k=k, seed=7, iterations=120)
        return RingGraph._fit({str(n): (float(p[0]), float(p[1])) for n, p in raw.items()})

    @staticmethod
    def _fit(raw: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
        xs = [p[0] for p in raw.values()]
        ys = [p[1] for p in raw.values()]
        span_x = max(max(xs) - min(xs), 1e-9)
        span_y = max(max(ys) - min(ys), 1e-9)
        inner_w, inner_h = WIDTH - 2 * MARGIN - LABEL_ROOM, HEIGHT - 2 * MARGIN
        return {
            n: (
                round(MARGIN + (x - min(xs)) / span_x * inner_w, 1),
                round(MARGIN + (y - min(ys)) / span_y * inner_h, 1),
            )
            for n, (x, y) in raw.items()
        }

    @staticmethod
    def _node(
        node_id: str, place: tuple[float, float], member_scores: Mapping[str, float]
    ) -> DrawnNode:
        kind, key = split_key(node_id)
        member = node_id in member_scores
        score = member_scores.get(node_id, 0.0)
        radius = 6.0 + 8.0 * min(max(score, 0.0), 1.0) if member else 7.0
        title = f"{kind} {key}" + (f" - score {score:.2f}" if member else "")
        return DrawnNode(node_id, kind, key, place[0], place[1], round(radius, 1), member, title)
