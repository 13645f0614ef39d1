"""Ring scores, calibration, duplicate merging and explanations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fraudgraph.errors import ModelError
from fraudgraph.rings.graph_snapshot import IdentifierLinks
from fraudgraph.rings.ring_candidate import Binding, RingCandidate
from fraudgraph.rings.ring_detector import RingConfig, RingDetector, merge_duplicates
from fraudgraph.rings.ring_explainer import explain
from fraudgraph.rings.ring_scorer import FEATURES, RingScorer
from fraudgraph.types import Action
from tests.unit.rings.rings_builders import DAY, HOUR, T0, snapshot, transfers


def _fast_ring() -> RingCandidate:
    members = frozenset(
        [f"Customer:C{i}" for i in range(6)] + [f"Application:A{i}" for i in range(6)]
    )
    return RingCandidate(
        pattern="synthetic_identity",
        members=members,
        bindings=(Binding("Device", "dev-1", 6), Binding("Phone", "+8613900000000", 6)),
        first_seen=T0,
        last_seen=T0 + 30 * HOUR,
        links=12,
    )


def _family() -> RingCandidate:
    return RingCandidate(
        pattern="shared_identifier",
        members=frozenset({"Customer:F1", "Customer:F2", "Application:F1", "Application:F2"}),
        bindings=(Binding("Address", "addr", 2),),
        first_seen=T0,
        last_seen=T0 + 200 * DAY,
        links=2,
    )


def test_fast_strong_ring_outscores_a_slow_family() -> None:
    ring, family = RingScorer().score([_fast_ring(), _family()])
    assert ring.score > 0.5 > family.score
    assert RingConfig().action(ring.score) in {Action.REVIEW, Action.BLOCK}
    assert RingConfig().action(family.score) is Action.ALLOW


def test_fit_save_load_round_trip(tmp_path: Path) -> None:
    scorer = RingScorer()
    cands = [_fast_ring(), _family()] * 5
    scorer.fit(cands, [1, 0] * 5)
    path = tmp_path / "cal.json"
    scorer.save(path)
    again = RingScorer.load(path)
    assert again.coef.tolist() == scorer.coef.tolist()
    assert [r.score for r in again.score(cands[:2])] == [r.score for r in scorer.score(cands[:2])]
    assert RingScorer.load(tmp_path / "absent.json").coef.shape == (len(FEATURES) + 1,)


def test_fit_needs_both_classes_and_load_rejects_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        RingScorer().fit([_fast_ring()], [1])
    bad = tmp_path / "bad.json"
    bad.write_text('{"features": ["other"], "coef": [0.0, 1.0]}')
    with pytest.raises(ModelError):
        RingScorer.load(bad)


def test_explanations_name_counts_time_and_identifiers() -> None:
    en, zh = explain(_fast_ring())
    assert en.startswith("6 applications in 30 hours share the device dev-1 and the phone")
    assert zh.startswith("30小时内6笔申请共用设备dev-1和手机号")


def test_candidates_found_twice_are_merged() -> None:
    a = _fast_ring()
    b = RingCandidate(
        pattern="fan_in",
        members=a.members | {"Account:X"},
        bindings=(Binding("Account", "X", 6),),
        first_seen=T0 - HOUR,
        last_seen=T0,
        amount=5000.0,
    )
    merged = merge_duplicates([a, b, _family()])
    assert len(merged) == 2
    big = next(m for m in merged if "Account:X" in m.members)
    assert big.first_seen == T0 - HOUR
    assert {x.kind for x in big.bindings} == {"Account", "Device", "Phone"}
    assert big.amount == 5000.0


def test_flow_explanations_count_the_accounts_around_the_hub() -> None:
    fan = RingCandidate(
        pattern="fan_in",
        members=frozenset({"Account:H", "Account:a", "Account:b", "Account:c"}),
        bindings=(Binding("Account", "H", 3),),
        first_seen=T0,
        last_seen=T0 + 5 * HOUR,
        amount=1234.5,
    )
    en, zh = explain(fan)
    assert en == "3 accounts paid 1,234.50 into account H within 5 hours."
    assert zh == "5小时内3个账户向账户H转入1,234.50。"


def test_victims_paying_a_mule_account_do_not_join_the_mule_ring() -> None:
    snap = snapshot([])
    mules = [f"M{i}" for i in range(3)]
    snap.links = IdentifierLinks(
        customers=mules * 2,
        records=[f"Account:AC-{m}" for m in mules] * 2,
        kinds=["Device"] * 3 + ["IP"] * 3,
        keys=["dev-m"] * 3 + ["9.9.9.9"] * 3,
        ats=np.full(6, T0),
        via_txn=np.ones(6, dtype=bool),
    )
    snap.records_of = {m: [f"Account:AC-{m}"] for m in mules}
    snap.owner_of = {f"AC-{m}": m for m in mules}
    snap.transfers = transfers([(f"victim{i}", "AC-M0", 2000.0, T0 + i * HOUR) for i in range(6)])
    rings = RingDetector(RingConfig()).candidates(snap)
    assert len(rings) == 1
    assert rings[0].pattern == "mule_network"
    assert rings[0].members == {f"{p}{m}" for m in mules for p in ("Customer:", "Account:AC-")}
    assert rings[0].amount == 12000.0


def _shoppers() -> list[tuple[str, str, float, float]]:
    """Twelve ordinary customers buying at m0..m4 once a month: the m's are merchants."""
    return [
        (f"c{j}", f"m{i}", 30.0, T0 + (j * 5 + i) * 2 * DAY) for j in range(12) for i in range(5)
    ]


def test_a_mule_ring_takes_in_its_collection_account_and_its_own_spending() -> None:
    snap = snapshot([])
    mules = [f"M{i}" for i in range(3)]
    snap.links = IdentifierLinks(
        customers=mules,
        records=[f"Account:AC-{m}" for m in mules],
        kinds=["Device"] * 3,
        keys=["dev-m"] * 3,
        ats=np.full(3, T0),
        via_txn=np.ones(3, dtype=bool),
    )
    snap.records_of = {m: [f"Account:AC-{m}"] for m in mules}
    snap.owner_of = {f"AC-{m}": m for m in mules}
    rows = _shoppers() + [(f"AC-{m}", "sink", 9000.0, T0 + HOUR) for m in mules]
    rows += [("AC-M0", f"m{i}", 6000.0, T0 + i * HOUR) for i in range(4)]  # cash-out at shops
    snap.transfers = transfers(rows)
    rings = RingDetector(RingConfig()).candidates(snap)
    assert [r.pattern for r in rings] == ["mule_network"]
    assert rings[0].members == {f"{p}{m}" for m in mules for p in ("Customer:", "Account:AC-")} | {
        "Account:sink"
    }
    assert rings[0].amount == 4 * 6000.0 + 9000.0  # M0's burst, its payment to the sink included


def test_a_bust_out_takes_in_the_other_records_of_the_same_person() -> None:
    snap = snapshot([("CX", "IdNumber", "id-1", T0), ("CX2", "IdNumber", "id-1", T0 + 30 * DAY)])
    snap.records_of = {"CX": ["Application:A-CX", "Account:x"], "CX2": ["Application:A-CX2"]}
    snap.owner_of = {"x": "CX"}
    snap.transfers = transfers(
        _shoppers() + [("x", f"m{i % 3}", 6000.0, T0 + i * HOUR) for i in range(5)]
    )
    rings = RingDetector(RingConfig()).candidates(snap)
    assert [r.pattern for r in rings] == ["bust_out"]
    assert rings[0].members == {
        "Account:x",
        "Customer:CX",
        "Application:A-CX",
        "Customer:CX2",
        "Application:A-CX2",
    }
