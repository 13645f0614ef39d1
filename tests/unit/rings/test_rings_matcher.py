"""Stable ring ids: joins keep the id, merges and splits are recorded, lost rings retire."""

from __future__ import annotations

from fraudgraph.rings.ring_matcher import RingMatcher, new_ring_id


def _ms(*names: str) -> frozenset[str]:
    return frozenset(f"Customer:{n}" for n in names)


def test_new_candidates_get_deterministic_ids() -> None:
    result = RingMatcher().match({}, [_ms("a", "b"), _ms("c", "d")])
    assert result.ids == [new_ring_id(_ms("a", "b")), new_ring_id(_ms("c", "d"))]
    assert result.ids[0] != result.ids[1]
    assert [e.action for e in result.events] == ["DETECTED", "DETECTED"]
    assert result.retired == []


def test_a_member_joining_keeps_the_ring_id() -> None:
    existing = {"R1": _ms("a", "b", "c"), "R2": _ms("x", "y")}
    result = RingMatcher().match(existing, [_ms("x", "y"), _ms("a", "b", "c", "d")])
    assert result.ids == ["R2", "R1"]
    assert result.retired == []


def test_two_rings_merging_keep_the_best_id_and_record_the_merge() -> None:
    existing = {"R1": _ms("a", "b", "c", "d"), "R2": _ms("e", "f")}
    result = RingMatcher().match(existing, [_ms("a", "b", "c", "d", "e", "f")])
    assert result.ids == ["R1"]
    assert result.retired == ["R2"]
    merged = {(e.ring_id, e.note) for e in result.events if e.action == "MERGED"}
    assert merged == {("R1", "absorbed R2"), ("R2", "merged into R1")}


def test_a_split_keeps_the_id_on_the_larger_part() -> None:
    existing = {"R1": _ms("a", "b", "c", "d", "e", "f")}
    result = RingMatcher().match(existing, [_ms("a", "b"), _ms("c", "d", "e", "f")])
    assert result.ids[1] == "R1"
    assert result.ids[0] not in {"R1", ""}
    splits = [e for e in result.events if e.action == "SPLIT"]
    assert [(s.ring_id, s.note) for s in splits] == [(result.ids[0], "split from R1")]


def test_a_ring_no_longer_found_is_retired() -> None:
    result = RingMatcher().match({"R1": _ms("a", "b")}, [_ms("q", "r")])
    assert result.retired == ["R1"]
    assert ("R1", "RETIRED") in {(e.ring_id, e.action) for e in result.events}
