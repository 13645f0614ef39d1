"""Money-flow features of transfer tables: cycles, structuring bursts, amount reuse."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from fraudgraph.gnn.data.flow_features import FLOW_FEATURE_NAMES, HUB_DEGREE, FlowFeatures


def _transfers(rows: list[tuple[int, int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["src", "dst", "amount", "time"])


def _count(table: pd.DataFrame, node: int, column: str) -> float:
    """Undo the log1p scaling of one cell."""
    return round(math.expm1(float(table[column].to_numpy()[node])), 6)


def test_short_cycles_are_counted_for_their_members_only() -> None:
    # 0 -> 1 -> 2 -> 0 is a 3-cycle; 3 <-> 4 a 2-cycle; 5 only pays 0.
    triangle = [(0, 1, 10.0, 1), (1, 2, 11.0, 2), (2, 0, 12.0, 3)]
    pair = [(3, 4, 5.0, 1), (4, 3, 6.0, 2)]
    table = FlowFeatures().build(_transfers([*triangle, *pair, (5, 0, 7.0, 1)]), n=6)
    assert list(table.columns) == FLOW_FEATURE_NAMES
    assert [_count(table, i, "cycles_3") for i in range(6)] == [1, 1, 1, 0, 0, 0]
    assert [_count(table, i, "cycles_2") for i in range(6)] == [0, 0, 0, 1, 1, 0]
    # a 2-cycle walked twice is a closed walk of length 4; the triangle has none
    assert [_count(table, i, "cycles_4") for i in range(6)] == [0, 0, 0, 1, 1, 0]


def test_structuring_bursts_flag_both_sides_and_their_partners() -> None:
    burst = [(0, 1, 19.5, 4)] * 3  # three identical transfers in one step
    spread = [(2, 3, 19.5, t) for t in range(3)]  # same amount on different steps: no burst
    links = [(4, 0, 50.0, 1), (5, 4, 60.0, 2)]
    table = FlowFeatures().build(_transfers(burst + spread + links), n=6)
    assert [_count(table, i, "burst") for i in range(6)] == [1, 1, 0, 0, 0, 0]
    assert _count(table, 4, "burst_partners") == 1  # pays account 0
    assert _count(table, 5, "burst_partners") == 0
    assert _count(table, 5, "burst_partners_2hop") == 1  # via account 4


def test_amount_reuse_and_forwarding() -> None:
    rows = [(0, 1, 123.45, 1), (1, 2, 123.45, 2), (3, 4, 99.0, 1), (4, 5, 98.0, 2)]
    table = FlowFeatures().build(_transfers(rows), n=6)
    assert _count(table, 1, "forwarded_amounts") == 1  # received 123.45, paid it on
    assert _count(table, 4, "forwarded_amounts") == 0  # kept a commission
    assert _count(table, 0, "out_amount_reuse") == 1  # one other payer sent 123.45
    assert _count(table, 3, "out_amount_reuse") == 0
    assert _count(table, 2, "in_amount_reuse") == 1


def test_hubs_are_left_out_of_cycle_counts() -> None:
    hub = 0
    spokes = [(hub, i, 1.0, 1) for i in range(1, HUB_DEGREE + 2)]
    back = [(1, hub, 2.0, 2), (2, 3, 1.0, 1), (3, 2, 1.0, 2)]
    table = FlowFeatures().build(_transfers(spokes + back), n=HUB_DEGREE + 2)
    assert _count(table, 1, "cycles_2") == 0  # 1 <-> hub is not counted
    assert _count(table, 2, "cycles_2") == 1  # 2 <-> 3 is


@pytest.mark.parametrize("burst_min", [2, 4])
def test_burst_threshold_is_configurable(burst_min: int) -> None:
    table = FlowFeatures(burst_min=burst_min).build(_transfers([(0, 1, 5.0, 1)] * 3), n=2)
    assert _count(table, 0, "burst") == (1 if burst_min <= 3 else 0)


def test_accounts_without_transfers_get_zeros() -> None:
    table = FlowFeatures().build(_transfers([]), n=3)
    assert table.shape == (3, len(FLOW_FEATURE_NAMES))
    assert float(table.to_numpy().sum()) == 0.0
