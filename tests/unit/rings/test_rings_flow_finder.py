"""Money-flow structures: fans, gather/scatter combinations, bust-out and timed cycles."""

from __future__ import annotations

from fraudgraph.rings.flow_ring_finder import FlowRingFinder
from fraudgraph.rings.ring_candidate import RingCandidate
from tests.unit.rings.rings_builders import DAY, HOUR, T0, transfers


def _patterns(rows: list[tuple[str, str, float, float]]) -> dict[str, set[str]]:
    found = FlowRingFinder(window_s=2 * DAY, min_fan=5).find(transfers(rows))
    return {c.pattern: {m.removeprefix("Account:") for m in c.members} for c in found}


def test_fan_in_burst_is_found_and_a_steady_merchant_is_not() -> None:
    rows = [(f"s{i}", "hub", 1000.0, T0 + i * HOUR) for i in range(6)]
    # A merchant: 6 payers within the window too, but 60 more spread over the year.
    rows += [(f"c{i}", "shop", 20.0, T0 + i * HOUR) for i in range(6)]
    rows += [(f"d{i}", "shop", 20.0, T0 + (10 + i) * 5 * DAY) for i in range(60)]
    found = _patterns(rows)
    assert found == {"fan_in": {"hub", "s0", "s1", "s2", "s3", "s4", "s5"}}


def test_fan_out_below_min_fan_is_ignored() -> None:
    rows = [("src", f"r{i}", 500.0, T0 + i * HOUR) for i in range(4)]
    assert _patterns(rows) == {}


def test_gather_then_scatter_through_one_hub() -> None:
    rows = [(f"in{i}", "hub", 900.0, T0 + i * HOUR) for i in range(5)]
    rows += [("hub", f"out{i}", 850.0, T0 + (6 + i) * HOUR) for i in range(5)]
    found = _patterns(rows)
    assert set(found) == {"gather_scatter"}
    assert len(found["gather_scatter"]) == 11


def test_scatter_then_gather_between_two_accounts() -> None:
    rows = [("src", f"mid{i}", 900.0, T0 + i * HOUR) for i in range(6)]
    rows += [(f"mid{i}", "sink", 880.0, T0 + (7 + i) * HOUR) for i in range(6)]
    found = _patterns(rows)
    assert set(found) == {"scatter_gather"}
    assert {"src", "sink", "mid0", "mid5"} <= found["scatter_gather"]


def test_cycle_must_respect_time_order() -> None:
    ring = ["a", "b", "c", "d"]
    forward = [(ring[i], ring[(i + 1) % 4], 5000.0, T0 + i * HOUR) for i in range(4)]
    assert _patterns(forward) == {"cycle": set(ring)}
    # b -> c happens before a -> b: whichever hop starts it, money cannot have gone round.
    broken = [forward[0], ("b", "c", 5000.0, T0 - 2 * HOUR), *forward[2:]]
    assert _patterns(broken) == {}


def test_cycle_outside_the_window_is_not_a_cycle() -> None:
    ring = ["a", "b", "c"]
    slow = [(ring[i], ring[(i + 1) % 3], 5000.0, T0 + i * 3 * DAY) for i in range(3)]
    assert _patterns(slow) == {}


def _shoppers() -> list[tuple[str, str, float, float]]:
    """Twelve ordinary customers buying at m0..m4 once a month: the m's are merchants."""
    return [
        (f"c{j}", f"m{i}", 30.0, T0 + (j * 5 + i) * 2 * DAY) for j in range(12) for i in range(5)
    ]


def test_accounts_spending_at_the_same_merchants_together_are_a_bust_out() -> None:
    rows = _shoppers()
    for n, who in enumerate(("x", "y")):
        rows += [(who, f"m{i % 3}", 5000.0, T0 + (n + i) * HOUR) for i in range(5)]
    found = FlowRingFinder(window_s=2 * DAY, min_fan=5).find(
        transfers(rows), {"x": "CX", "y": "CY"}
    )
    assert [c.pattern for c in found] == ["bust_out"]
    assert found[0].members == {"Account:x", "Account:y", "Customer:CX", "Customer:CY"}
    assert found[0].amount == 50000.0


def test_a_fan_out_to_fresh_accounts_is_not_a_bust_out() -> None:
    rows = [("x", f"mule{i}", 5000.0, T0 + i * HOUR) for i in range(6)]
    found = FlowRingFinder(window_s=2 * DAY, min_fan=5).find(transfers(rows))
    assert [c.pattern for c in found] == ["fan_out"]


def test_small_gather_scatter_needs_the_money_to_pass_through() -> None:
    rows = [(f"in{i}", "hub", 48000.0, T0 + i * HOUR) for i in range(3)]
    rows += [("hub", f"out{i}", 46000.0, T0 + (4 + i) * HOUR) for i in range(3)]
    assert set(_patterns(rows)) == {"gather_scatter"}
    trickle = [*rows[:3], *[("hub", f"out{i}", 900.0, T0 + (4 + i) * HOUR) for i in range(3)]]
    assert _patterns(trickle) == {}


def test_small_gather_scatter_may_have_more_targets_than_sources() -> None:
    rows = [(f"in{i}", "hub", 9000.0, T0 + i * HOUR) for i in range(3)]
    rows += [("hub", f"out{i}", 8000.0, T0 + (4 + i) * HOUR) for i in range(7)]
    found = _patterns(rows)
    assert set(found) == {"gather_scatter"}
    assert len(found["gather_scatter"]) == 11


def test_the_burst_wins_over_an_early_window_of_small_payments() -> None:
    early = [("hub", f"shop{i}", 30.0, T0 + i * HOUR) for i in range(6)]
    burst = [("hub", f"x{i}", 40000.0, T0 + 200 * DAY + i * HOUR) for i in range(6)]
    found = _patterns(early + burst)
    assert found == {"fan_out": {"hub", *(f"x{i}" for i in range(6))}}


def test_collection_accounts_paid_mostly_by_the_ring_join_it() -> None:
    mules = [f"m{i}" for i in range(4)]
    rows = [(m, "sink", 9000.0, T0 + i * HOUR) for i, m in enumerate(mules)]
    rows += [(m, "shop", 50.0, T0 + i * HOUR) for i, m in enumerate(mules)]
    rows += [(f"c{i}", "shop", 50.0, T0 + i * DAY) for i in range(20)]  # everyone's shop
    rows += [("m0", "friend", 100.0, T0)]  # paid by one mule only
    t = transfers(rows)
    ring = RingCandidate("mule_network", frozenset(f"Account:{m}" for m in mules))
    other = RingCandidate("synthetic_identity", ring.members)
    finder = FlowRingFinder(window_s=2 * DAY)
    grown, untouched = finder.add_collectors(t, [ring, other], frozenset({"mule_network"}))
    assert grown.members - ring.members == {"Account:sink"}
    assert untouched is other


def test_bust_outs_at_different_colluding_merchants_are_different_rings() -> None:
    rows = _shoppers()
    for n, (who, colluding) in enumerate((("x", "m0"), ("y", "m1"))):
        rows += [(who, colluding, 5000.0, T0 + (n + i) * HOUR) for i in range(4)]
        rows += [(who, "m4", 3000.0, T0 + (n + 5) * HOUR)]
    found = FlowRingFinder(window_s=2 * DAY, min_fan=5).find(transfers(rows))
    rings = sorted(sorted(c.members) for c in found if c.pattern == "bust_out")
    assert rings == [["Account:x"], ["Account:y"]]


def test_mules_paying_one_collector_are_a_fan_in_though_fewer_than_min_fan() -> None:
    mules = ["m0", "m1", "m2"]
    rows = [(f"v{i}", mules[i % 3], 8000.0, T0 + i * HOUR) for i in range(9)]  # victims
    rows += [(m, "sink", 20000.0, T0 + (10 + i) * HOUR) for i, m in enumerate(mules)]
    found = _patterns(rows)
    assert found == {"fan_in": {"sink", *mules}}
    # Three ordinary payers of one account, nobody collecting before them: nothing.
    plain = [(f"p{i}", "acct", 8000.0, T0 + i * HOUR) for i in range(3)]
    assert _patterns(plain) == {}


def test_every_loop_through_a_shared_transfer_is_reported() -> None:
    rows = [
        ("a", "b", 5000.0, T0),
        ("b", "c", 5000.0, T0 + HOUR),
        ("c", "a", 5000.0, T0 + 2 * HOUR),
    ]
    rows += [("b", "d", 5000.0, T0 + HOUR), ("d", "a", 5000.0, T0 + 3 * HOUR)]
    loops = {acc for acc, _ in FlowRingFinder(window_s=2 * DAY).cycles(transfers(rows))}
    assert len(loops) == 2
