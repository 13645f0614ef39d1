"""The risk index refresh's pacing: a slow load spaces the next ones out."""

from __future__ import annotations

from pathlib import Path

from fraudgraph.graph.driver import create_driver
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.risk_index_loader import IDLE_FACTOR, RiskIndexLoader
from tests.unit.service.conftest import offline_settings


def test_refresh_waits_the_interval_or_a_multiple_of_the_last_load(tmp_path: Path) -> None:
    driver = create_driver(offline_settings(tmp_path))
    try:
        index = RiskIndex(hub_cap=10)
        loader = RiskIndexLoader(driver, "neo4j", index, hub_cap=10, interval_s=30.0)
        assert loader.next_wait_s() == 1.0  # no index yet: retry soon
        assert not loader.try_load()  # Neo4j unreachable: still none
        assert loader.next_wait_s() == 1.0
        index.replace_all({})
        loader.last_load_s = 0.5
        assert loader.next_wait_s() == 30.0
        loader.last_load_s = 10.0
        assert loader.next_wait_s() == IDLE_FACTOR * 10.0
    finally:
        driver.close()
