"""Time-window counting behind the identifier-burst features of the graph export."""

from __future__ import annotations

import numpy as np

from fraudgraph.graph.pyg_export import count_within


def test_counts_other_uses_of_the_same_identifier_inside_the_window() -> None:
    # device 0: three applications within an hour and one a day later; device 1: two, far apart
    groups = np.array([0, 0, 1, 0, 0, 1])
    time = np.array([0.0, 600.0, 0.0, 3_000.0, 90_000.0, 50_000.0])
    assert count_within(groups, time, 3_600.0).tolist() == [2, 2, 0, 2, 0, 0]
    assert count_within(groups, time, 100_000.0).tolist() == [3, 3, 1, 3, 3, 1]


def test_window_edges_are_inclusive_and_groups_never_mix() -> None:
    groups = np.array([5, 5, 6])
    time = np.array([0.0, 60.0, 60.0])
    assert count_within(groups, time, 60.0).tolist() == [1, 1, 0]
    assert count_within(groups, time, 59.0).tolist() == [0, 0, 0]
