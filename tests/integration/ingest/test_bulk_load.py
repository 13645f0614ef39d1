"""The bulk first load (neo4j-admin import) gives the graph of the transactional load.

The bulk load stops and restarts its server, so it runs on a private scratch Neo4j of its own;
the transactional load of the same world goes to the session's server, and both graphs are
compared in full: every node with its labels and properties, every relationship with its
endpoints and properties.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from fraudgraph.errors import IngestError
from fraudgraph.graph import queries
from fraudgraph.graph.driver import create_driver
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.scratch_neo4j import ScratchNeo4j
from fraudgraph.graph.stats import graph_counts
from fraudgraph.ingest.bulk_loader import BulkLoader
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.settings import Settings
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world
from tests.conftest import TEST_PASSWORD
from tests.integration.ingest.ingest_fixtures import account, application, transaction

pytestmark = pytest.mark.integration

DUMP_NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
DUMP_RELS = (
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, labels(a) AS a, properties(a) AS ap, "
    "labels(b) AS b, properties(b) AS bp, properties(r) AS props"
)


def _append(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("a", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated world (300 applications) plus the cases where MERGE semantics matter."""
    folder = tmp_path_factory.mktemp("bulk") / "world"
    generate_world(folder, WorldConfig(300, 3000, seed=5))
    first = json.loads((folder / "applications.jsonl").open().readline())
    _append(folder / "applications.jsonl", [
        # the same application again, changed: the later row's values win, "" stays ""
        {**first, "amount": 1234.5, "remarks": "", "channel": "web"},
        application(99001, "C-NOT-LOADED", remarks='引号 "quoted", 逗号\n第二行'),  # bare customer
        {**first, "application_id": "A-BAD", "created_at": "not a time"},  # rejected
    ])  # fmt: skip
    _append(folder / "accounts.jsonl", [account(99001, None)])  # no owner
    _append(folder / "transactions.jsonl", [
        transaction(99001, "AC99001", "AC-UNKNOWN", memo="退款 13912345678"),  # bare account
        transaction(99001, "AC99001", "AC-OTHER", amount=7.25),  # same id: a second TO
    ])  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor.load()


@pytest.fixture
def bulk_server(tmp_path: Path) -> Iterator[Settings]:
    with ScratchNeo4j(tmp_path / "var", TEST_PASSWORD) as settings:
        yield settings


def _value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_value(v) for v in value)
    if hasattr(value, "iso_format"):  # neo4j DateTime: the offset is part of the value
        return (type(value).__name__, value.iso_format())
    return (type(value).__name__, value)


def _frozen(props: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, _value(v)) for k, v in props.items()))


def _key(labels: list[str], props: dict[str, Any]) -> tuple[str, Any]:
    label = labels[0]
    return label, props[queries.RECORD_KEYS.get(label, "key")]


def _dump(driver: Driver, database: str) -> tuple[Counter[Any], Counter[Any]]:
    nodes, _, _ = driver.execute_query(DUMP_NODES, database_=database)
    rels, _, _ = driver.execute_query(DUMP_RELS, database_=database)
    node_set = Counter((tuple(r["labels"]), _frozen(r["props"])) for r in nodes)
    rel_set = Counter(
        (r["type"], _key(r["a"], r["ap"]), _key(r["b"], r["bp"]), _frozen(r["props"])) for r in rels
    )
    return node_set, rel_set


def _bulk_loader(settings: Settings, extractor: EntityExtractor) -> BulkLoader:
    return BulkLoader(settings, extractor=extractor, free_text=True, batch_size=100,
                      progress=False, threads=2)  # fmt: skip


def test_bulk_load_gives_the_transactional_graph(
    driver: Driver,
    neo4j_settings: Settings,
    bulk_server: Settings,
    world: Path,
    extractor: EntityExtractor,
    tmp_path: Path,
) -> None:
    database = neo4j_settings.neo4j_database
    init_schema(driver, database)
    loader = Loader(driver, database, state_dir=tmp_path / "state", extractor=extractor,
                    free_text=True, batch_size=100, progress=False)  # fmt: skip
    expected = loader.load(world, synth_files(world))

    bulk = _bulk_loader(bulk_server, extractor).load(world, synth_files(world))

    assert bulk.load.loaded == expected.loaded
    assert bulk.load.rejected == expected.rejected == 1
    bulk_driver = create_driver(bulk_server)
    try:
        db = bulk_server.neo4j_database
        assert graph_counts(bulk_driver, db) == graph_counts(driver, database)
        want_nodes, want_rels = _dump(driver, database)
        got_nodes, got_rels = _dump(bulk_driver, db)
        assert got_nodes == want_nodes
        assert got_rels == want_rels
        # the comparison covers the cases that matter: a second payee merged in, empty
        # attribute lists, a multi-line text with quotes, time values with their offset
        assert sum(1 for r in got_rels if r[0] == "TO" and r[1] == ("Transaction", "T099001")) == 2
        assert any(("attrs", ()) in props for _, props in got_nodes)
        assert any(k == "remarks" and "\n" in v[1] for _, props in got_nodes for k, v in props)
        created = ("DateTime", "2026-03-22T10:00:00.000000000+08:00")  # application 99001
        assert any(v == created for _, props in got_nodes for _, v in props)
        assert bulk.load.counts.nodes_created == sum(want_nodes.values())
        assert bulk.load.counts.relationships_created == sum(want_rels.values())
        # the schema is there, and the checkpoint says every file is done
        constraints, _, _ = bulk_driver.execute_query(queries.SHOW_CONSTRAINTS, database_=db)
        assert "transaction_key" in constraints[0]["names"]
        state = bulk_server.var_dir / "ingest"
        again = Loader(bulk_driver, db, state_dir=state, extractor=extractor, progress=False)
        assert again.load(world, synth_files(world)).loaded == 0
    finally:
        bulk_driver.close()


def test_bulk_load_refuses_a_database_with_data(
    bulk_server: Settings, world: Path, extractor: EntityExtractor
) -> None:
    bulk_driver = create_driver(bulk_server)
    try:
        bulk_driver.execute_query(
            queries.merge_nodes("Customer"), rows=[{"key": "C-EXISTING", "props": {}}]
        )
    finally:
        bulk_driver.close()
    with pytest.raises(IngestError, match=r"empty database only.*1 nodes"):
        _bulk_loader(bulk_server, extractor).load(world, synth_files(world))
