"""The ring drawing: every member and binding identifier placed inside the picture."""

from __future__ import annotations

from fraudgraph.console.ring_graph import HEIGHT, LABEL_ROOM, LABELLED_NODES, WIDTH, RingGraph


def _ring() -> RingGraph:
    scores = {"Customer:C1": 0.9, "Customer:C2": 0.2, "Application:A1": 0.5}
    binding = [("Device", "dev-1", "Customer:C1"), ("Device", "dev-1", "Customer:C2"),
               ("Phone", "139", "Application:A1"), ("Phone", "139", "Customer:C2")]  # fmt: skip
    members = [("Customer:C1", "Application:A1", "RECORD")]
    return RingGraph.build(scores, binding, members)


def test_members_and_identifiers_become_nodes_and_links_edges() -> None:
    graph = _ring()
    by_id = {n.node_id: n for n in graph.nodes}
    assert set(by_id) == {"Customer:C1", "Customer:C2", "Application:A1", "Device:dev-1",
                          "Phone:139"}  # fmt: skip
    assert [n.node_id for n in graph.nodes if n.member] == sorted(
        ["Customer:C1", "Customer:C2", "Application:A1"]
    )
    assert by_id["Device:dev-1"].label == "dev-1"
    assert by_id["Device:dev-1"].kind == "Device"
    assert sorted(e.kind for e in graph.edges) == ["Device", "Device", "Phone", "Phone", "RECORD"]
    assert graph.kinds == ("Application", "Customer", "Device", "Phone")
    assert graph.labelled


def test_nodes_are_inside_the_picture_and_edges_end_on_nodes() -> None:
    graph = _ring()
    places = {(n.x, n.y) for n in graph.nodes}
    assert all(0 < n.x < WIDTH - LABEL_ROOM and 0 < n.y < HEIGHT for n in graph.nodes)
    assert len(places) == len(graph.nodes)  # nobody on top of anybody
    for e in graph.edges:
        assert (e.x1, e.y1) in places
        assert (e.x2, e.y2) in places


def test_the_layout_is_the_same_every_time_and_size_follows_score() -> None:
    first, second = _ring(), _ring()
    assert first == second
    by_id = {n.node_id: n for n in first.nodes}
    assert by_id["Customer:C1"].radius > by_id["Customer:C2"].radius
    assert "0.90" in by_id["Customer:C1"].title


def test_big_rings_drop_labels_and_tiny_ones_still_draw() -> None:
    scores = {f"Customer:C{i}": 0.5 for i in range(LABELLED_NODES + 1)}
    binding = [("Device", "d", m) for m in scores]
    big = RingGraph.build(scores, binding, [])
    assert not big.labelled
    assert len(big.edges) == len(scores)
    alone = RingGraph.build({"Customer:C1": 0.3}, [], [])
    assert [(n.x, n.y) for n in alone.nodes] == [(WIDTH / 2, HEIGHT / 2)]
    assert RingGraph.build({}, [], []).nodes == ()
