"""The risk index spread over shards behaves as one dictionary."""

from __future__ import annotations

from fraudgraph.service.risk_index import SHARDS, RiskIndex
from fraudgraph.service.scorer import IdentifierRisk


def _loaded(count: int) -> RiskIndex:
    index = RiskIndex(hub_cap=5)
    entries = {f"Account:AC{i:07d}": IdentifierRisk(links=i % 4) for i in range(count)}
    entries["Device:ring-dev"] = IdentifierRisk(links=3, ring_id="ring-1", ring_score=0.9)
    index.replace_all(entries)
    return index


def test_every_loaded_key_is_found_and_counted_once() -> None:
    index = _loaded(5000)
    assert len(index) == 5001
    keys = [f"Account:AC{i:07d}" for i in range(0, 5000, 7)]
    found = index.lookup([*keys, "Account:missing", "Device:ring-dev"])
    assert set(found) == {*keys, "Device:ring-dev"}
    assert all(found[k].links == int(k[-7:]) % 4 for k in keys)
    # the keys did land in many shards (a broken hash would put them all in one)
    assert sum(1 for shard in index._shards if shard) == SHARDS


def test_noted_events_add_keys_and_links_across_shards() -> None:
    index = _loaded(1000)
    new_keys = [f"Phone:+86139{i:08d}" for i in range(300)]
    for party in ("AC1", "AC2", "AC2"):  # the same party twice counts once
        index.note_event([*new_keys, "Account:AC0000001"], party)
    found = index.lookup(new_keys)
    assert len(found) == 300
    assert {r.links for r in found.values()} == {2}
    assert index.lookup(["Account:AC0000001"])["Account:AC0000001"].links == 1 + 2
    assert len(index) == 1001 + 300
    index.replace_all({})  # a reload forgets what was noted
    assert len(index) == 0
    assert index.lookup(new_keys) == {}


def test_riskiest_looks_through_every_shard() -> None:
    index = _loaded(2000)
    assert index.riskiest("Device", ring=True) == [
        ("Device:ring-dev", IdentifierRisk(links=3, ring_id="ring-1", ring_score=0.9))
    ]
    top = index.riskiest("Account", ring=False, limit=3)
    assert [r.links for _, r in top] == [3, 3, 3]
