"""Writes, reads and deletes through the real Bolt server; constraint errors are translated."""

from __future__ import annotations

import pytest
from neo4j import Driver

from fraudgraph.errors import ConstraintViolationError, QueryError
from fraudgraph.graph.driver import check_connectivity
from fraudgraph.graph.record_store import RecordStore
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.settings import Settings

pytestmark = pytest.mark.integration


def test_connectivity_reports_server(driver: Driver, neo4j_settings: Settings) -> None:
    info = check_connectivity(driver, neo4j_settings.neo4j_database)
    assert info.version.startswith("5.")
    assert info.nodes == 0
    assert info.relationships == 0


def test_write_read_delete_nodes(driver: Driver, neo4j_settings: Settings) -> None:
    init_schema(driver, neo4j_settings.neo4j_database)
    store = RecordStore(driver, neo4j_settings.neo4j_database, batch_size=2)
    rows = [{"key": f"c{i}", "props": {"name": f"客户{i}", "income": i * 1000.5}} for i in range(5)]
    assert store.merge_nodes("Customer", rows) == 5
    store.merge_nodes("Phone", [{"key": "+8613800138000", "props": {}}])
    links = [{"src": "c1", "dst": "+8613800138000", "props": {"field": "phone"}}]
    store.merge_links("Customer", "HAS_PHONE", "Phone", links)

    got = store.get_nodes("Customer", ["c1", "c3", "missing"])
    assert set(got) == {"c1", "c3"}
    assert got["c3"]["name"] == "客户3"
    assert got["c3"]["income"] == pytest.approx(3001.5)
    counts = graph_counts(driver, neo4j_settings.neo4j_database)
    assert counts.nodes == {"Customer": 5, "Phone": 1}
    assert counts.relationships == {"HAS_PHONE": 1}

    assert store.delete_nodes("Customer", ["c1", "c2"]) == 2
    counts = graph_counts(driver, neo4j_settings.neo4j_database)
    assert counts.nodes == {"Customer": 3, "Phone": 1}
    assert counts.relationships == {}


def test_merge_twice_is_idempotent(driver: Driver, neo4j_settings: Settings) -> None:
    init_schema(driver, neo4j_settings.neo4j_database)
    store = RecordStore(driver, neo4j_settings.neo4j_database)
    rows = [{"key": "a1", "props": {"kind": "debit"}}]
    store.merge_nodes("Account", rows)
    store.merge_nodes("Account", rows)
    assert graph_counts(driver, neo4j_settings.neo4j_database).nodes == {"Account": 1}


def test_uniqueness_violation_is_a_clear_fraudgraph_error(
    driver: Driver, neo4j_settings: Settings
) -> None:
    init_schema(driver, neo4j_settings.neo4j_database)
    store = RecordStore(driver, neo4j_settings.neo4j_database)
    store.create_nodes("Application", [{"key": "app-1", "props": {}}])
    with pytest.raises(ConstraintViolationError) as info:
        store.create_nodes("Application", [{"key": "app-1", "props": {}}])
    message = str(info.value)
    assert "constraint violated" in message
    assert "app-1" in message  # the offending key is named
    # The failed batch wrote nothing: still one node.
    assert graph_counts(driver, neo4j_settings.neo4j_database).nodes == {"Application": 1}


def test_schema_init_is_idempotent(driver: Driver, neo4j_settings: Settings) -> None:
    first = init_schema(driver, neo4j_settings.neo4j_database)
    second = init_schema(driver, neo4j_settings.neo4j_database)
    assert first == second
    assert "customer_key" in first.constraints
    assert "transaction_ts" in first.indexes


def test_bad_cypher_becomes_query_error(driver: Driver, neo4j_settings: Settings) -> None:
    from fraudgraph.graph.errors import neo4j_errors

    with pytest.raises(QueryError, match="rejected"), neo4j_errors():
        driver.execute_query("MATCH (n RETURN n", database_=neo4j_settings.neo4j_database)
