"""The end-to-end demo behind ``make demo``: every stage, on a small synthetic world."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from fraudgraph.graph.driver import check_connectivity, create_driver
from fraudgraph.graph.local_server import LocalNeo4j
from fraudgraph.graph.record_store import RecordStore
from fraudgraph.graph.schema import init_schema
from fraudgraph.settings import Settings


def run_demo(settings: Settings, *, applications: int, seed: int, console: Console) -> None:
    """Start Neo4j if it is ours, create the schema, write a small graph and read it back."""
    if settings.neo4j_is_local:
        console.rule("local Neo4j")
        status = LocalNeo4j(settings).start()
        console.print(f"running, pid {status.pid}, data in {status.home}")
    driver = create_driver(settings)
    try:
        info = check_connectivity(driver, settings.neo4j_database)
        console.print(f"connected to Neo4j {info.version} ({info.edition}) at {info.address}")
        report = init_schema(driver, settings.neo4j_database)
        console.print(
            f"schema: {len(report.constraints)} constraints, {len(report.indexes)} indexes"
        )
        _roundtrip(RecordStore(driver, settings.neo4j_database), console)
    finally:
        driver.close()


def _roundtrip(store: RecordStore, console: Console) -> None:
    console.rule("write and read back a small graph")
    customers = [
        {"key": "demo-c1", "props": {"name": "李伟", "demo": True}},
        {"key": "demo-c2", "props": {"name": "Li Wei", "demo": True}},
    ]
    phones = [{"key": "+8613912345678", "props": {"demo": True}}]
    store.merge_nodes("Customer", customers)
    store.merge_nodes("Phone", phones)
    links = [
        {"src": c["key"], "dst": "+8613912345678", "props": {"source": "demo"}} for c in customers
    ]
    store.merge_links("Customer", "HAS_PHONE", "Phone", links)
    table = Table("customer", "name", "shares phone")
    for key, props in store.get_nodes("Customer", ["demo-c1", "demo-c2"]).items():
        table.add_row(key, str(props["name"]), "+8613912345678")
    console.print(table)
