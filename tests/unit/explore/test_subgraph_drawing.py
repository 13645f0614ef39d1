"""Subgraph payloads and their drawings (interactive HTML offline, static PNG)."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources

import pytest

from fraudgraph.errors import InvalidInputError
from fraudgraph.explore.graph_drawing import GraphDrawing
from fraudgraph.explore.neighbourhood_expander import ExpandLimits
from fraudgraph.explore.subgraph import GraphEdge, GraphNode, Subgraph, display_props, node_title


def _subgraph() -> Subgraph:
    nodes = (
        GraphNode("Customer:C1", "Customer", "C1", "李伟 (C1)", 2, 0),
        GraphNode("Application:A1", "Application", "A1", "A1", 3, 1),
        GraphNode("Device:d1", "Device", "d1", "d1", 40, 2, hub=True),
        GraphNode("Phone:+861", "Phone", "+861", "+861", 2, 2),
    )
    edges = (
        GraphEdge("Customer:C1", "Application:A1", "APPLIED"),
        GraphEdge("Application:A1", "Device:d1", "USED_DEVICE"),
        GraphEdge("Application:A1", "Phone:+861", "HAS_PHONE"),
    )
    return Subgraph(("Customer:C1",), nodes, edges, hops=2, hubs=("Device:d1",))


def test_subgraph_helpers() -> None:
    sub = _subgraph()
    assert sub.neighbours("Application:A1") == {"Customer:C1", "Device:d1", "Phone:+861"}
    assert sub.label_counts()["Customer"] == 1
    assert sub.node("Device:d1").hub
    with pytest.raises(KeyError):
        sub.node("Customer:nobody")


def test_display_props_stringify_and_hide_free_text() -> None:
    props = display_props(
        {"created_at": dt.datetime(2026, 3, 1, 9, 0), "amount": 5000.0, "remarks": "long text",
         "memo": "x" * 200, "empty": None}
    )  # fmt: skip
    assert props["created_at"] == "2026-03-01 09:00:00"
    assert props["amount"] == "5000.0"
    assert "remarks" not in props
    assert "empty" not in props
    assert len(props["memo"]) == 80
    assert node_title("Customer", "C1", {"name": "李伟"}) == "李伟 (C1)"
    assert node_title("Ring", "R1", {"pattern": "device_burst"}) == "ring R1 device_burst"


def test_interactive_page_is_self_contained() -> None:
    view = GraphDrawing(_subgraph(), "customer C1").interactive()
    page = view.page
    assert not re.search(r"""(src|href)\s*=\s*["']https?://""", page)  # no CDN
    assert "vis.Network" in page
    data = json.loads(re.search(r"const data = (\{.*?\});\n", page, re.S).group(1))  # type: ignore[union-attr]
    assert {n["id"] for n in data["nodes"]} == {n.id for n in _subgraph().nodes}
    assert {(e["from"], e["to"], e["label"]) for e in data["edges"]} == {
        (e.source, e.target, e.type) for e in _subgraph().edges
    }
    hub = next(n for n in data["nodes"] if n["id"] == "Device:d1")
    assert hub["shape"] == "diamond"
    assert "srcdoc=" in view._repr_html_()
    shipped = resources.files("pyvis").joinpath("lib", "vis-9.1.2", "vis-network.min.js")
    assert shipped.read_text(encoding="utf-8") in page  # inlined as shipped, not altered


def test_page_cannot_be_closed_by_data() -> None:
    nasty = GraphNode("Customer:x", "Customer", "x", "</script><b>", 1, 0)
    page = GraphDrawing(Subgraph(("Customer:x",), (nasty,), (), 0)).interactive().page
    assert "</script><b>" not in page


def test_static_png() -> None:
    png = GraphDrawing(_subgraph(), "customer C1").static(width_in=4, height_in=3).png
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert 300 < width < 600


def test_expand_limits_are_checked() -> None:
    assert "SENT" in ExpandLimits(money=True).types
    assert "SENT" not in ExpandLimits().types
    with pytest.raises(InvalidInputError):
        ExpandLimits(hops=9)
    with pytest.raises(InvalidInputError):
        ExpandLimits(hub_cap=1)
