"""Ingest into the real Neo4j: idempotent, resumable after a kill, bad rows rejected."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from neo4j import Driver

from fraudgraph.graph.admin import wipe_graph
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import GraphCounts, graph_counts
from fraudgraph.ingest.loader import Loader, LoadSummary
from fraudgraph.ingest.sources import amlsim_files, synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.settings import Settings
from tests.integration.ingest.ingest_fixtures import (
    application,
    small_world,
    transaction,
    write_jsonl,
)

pytestmark = pytest.mark.integration


def _load(
    driver: Driver,
    settings: Settings,
    folder: Path,
    state: Path,
    extractor: EntityExtractor | None = None,
    **kw: bool,
) -> LoadSummary:
    init_schema(driver, settings.neo4j_database)
    loader = Loader(
        driver, settings.neo4j_database, state_dir=state, batch_size=50, progress=False,
        extractor=extractor, free_text=False,
    )  # fmt: skip
    return loader.load(folder, synth_files(folder), **kw)


def _duplicate_relationships(driver: Driver, database: str) -> int:
    records, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) WITH a, type(r) AS t, r.field AS f, r.start AS s, b, count(*) AS n "
        "WHERE n > 1 RETURN count(*) AS dups",
        database_=database,
    )
    return int(records[0]["dups"])


def test_same_input_twice_gives_identical_graph(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = small_world(tmp_path / "world")
    first = _load(driver, neo4j_settings, folder, tmp_path / "state")
    counts = graph_counts(driver, neo4j_settings.neo4j_database)
    assert first.loaded == 40 + 40 + 40 + 400
    assert counts.nodes["Transaction"] == 400
    assert counts.nodes["Customer"] == 40
    assert counts.relationships["SENT"] == 400
    assert counts.relationships["APPLIED"] == 40

    again = _load(driver, neo4j_settings, folder, tmp_path / "state", restart=True)
    assert again.counts.writes == 0  # everything was there: nothing created
    assert again.counts.already_present == again.loaded
    assert graph_counts(driver, neo4j_settings.neo4j_database) == counts

    resumed = _load(driver, neo4j_settings, folder, tmp_path / "state")
    assert resumed.loaded == 0  # the checkpoint says every file is done
    assert graph_counts(driver, neo4j_settings.neo4j_database) == counts
    assert _duplicate_relationships(driver, neo4j_settings.neo4j_database) == 0


def test_bad_rows_are_rejected_with_reasons(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = small_world(tmp_path / "world", customers=5, transactions=0)
    good = [transaction(i, "AC00000", "AC00001") for i in range(6)]
    lines = [json.dumps(r) for r in good]
    lines.insert(1, json.dumps(transaction(90, "AC00000", "AC00001", amount="12,3x")))  # line 2
    lines.insert(3, json.dumps(transaction(91, "", "AC00001")))  # line 4: missing payer
    lines.insert(5, '{"transaction_id": "T9", broken json')  # line 6
    raw = ("\n".join(lines) + "\n").encode() + b'{"transaction_id": "\xff\xfe"}\n'  # line 10
    (folder / "transactions.jsonl").write_bytes(raw)

    summary = _load(driver, neo4j_settings, folder, tmp_path / "state")
    assert summary.files["transactions.jsonl"].loaded == 6
    assert summary.files["transactions.jsonl"].rejected == 4
    assert summary.rejects_path is not None
    rejects = [json.loads(x) for x in summary.rejects_path.read_text().splitlines()]
    by_line = {r["line"]: r for r in rejects}
    assert sorted(by_line) == [2, 4, 6, 10]
    assert by_line[2]["field"] == "amount"
    assert "not a number" in by_line[2]["reason"]
    assert by_line[4]["field"] == "payer_account"
    assert "missing" in by_line[4]["reason"]
    assert "bad JSON" in by_line[6]["reason"]
    assert "bad encoding" in by_line[10]["reason"]
    assert all(r["file"] == "transactions.jsonl" for r in rejects)
    assert graph_counts(driver, neo4j_settings.neo4j_database).nodes["Transaction"] == 6


def test_killed_load_resumes_to_the_same_graph(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = small_world(tmp_path / "world", customers=300, transactions=20_000)
    database = neo4j_settings.neo4j_database
    # --no-nlp: structured identifiers are still resolved and linked, free text is not.
    extractor = EntityExtractor.load()
    clean = _load(driver, neo4j_settings, folder, tmp_path / "clean-state", extractor)
    expected = graph_counts(driver, database)
    assert expected.relationships["HAS_PHONE"] == 600  # applications' and customers' phones
    assert clean.rejected == 0
    wipe_graph(driver, database)

    state = tmp_path / "state"
    env = _cli_env(neo4j_settings, state.parent / "var")
    # --no-link: the reference load above (Loader) proposes no SAME_AS links either.
    cmd = [sys.executable, "-m", "fraudgraph.cli", "ingest", str(folder), "--no-nlp",
           "--no-link", "--batch-size", "500"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    checkpoint_dir = state.parent / "var" / "ingest"
    _wait_for_progress(checkpoint_dir, "transactions.jsonl", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = graph_counts(driver, database)
    assert partial.nodes.get("Transaction", 0) < 20_000  # it really was cut short

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "resumed after line" in done.stdout
    assert graph_counts(driver, database) == expected
    assert _duplicate_relationships(driver, database) == 0


def _cli_env(settings: Settings, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
        "FRAUDGRAPH_VAR_DIR": str(var_dir),
    })  # fmt: skip
    return env


def _wait_for_progress(folder: Path, name: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the load finished before it could be killed"
        for path in folder.glob("ingest-*.json"):
            try:
                files = json.loads(path.read_text())["files"]
            except (json.JSONDecodeError, KeyError):
                continue
            if files.get(name, {}).get("line", 0) > 0:
                return
        time.sleep(0.05)
    raise AssertionError("no checkpoint progress within 300 s")


@pytest.mark.datasets
@pytest.mark.slow
def test_amlsim_import(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path, datasets_dir: Path
) -> None:
    folder = datasets_dir / "graph" / "amlsim-cycle200"
    init_schema(driver, neo4j_settings.neo4j_database)
    loader = Loader(driver, neo4j_settings.neo4j_database, state_dir=tmp_path, progress=False)
    summary = loader.load(folder, amlsim_files(folder))
    assert summary.rejected == 0
    counts: GraphCounts = graph_counts(driver, neo4j_settings.neo4j_database)
    assert counts.nodes == {"Account": 20_000, "Transaction": 117_805}
    assert counts.relationships == {"SENT": 117_805, "TO": 117_805}
    records, _, _ = driver.execute_query(
        "MATCH (a:Account {label_fraud: true}) RETURN count(a) AS n",
        database_=neo4j_settings.neo4j_database,
    )
    assert records[0]["n"] == 945


def test_application_for_unknown_customer_creates_the_customer(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = small_world(tmp_path / "world", customers=2, transactions=0)
    write_jsonl(folder / "applications.jsonl", [application(7, "C-NEW")])
    _load(driver, neo4j_settings, folder, tmp_path / "state")
    records, _, _ = driver.execute_query(
        "MATCH (c:Customer {customer_id: 'C-NEW'})-[:APPLIED]->(a:Application) "
        "RETURN a.application_id AS id",
        database_=neo4j_settings.neo4j_database,
    )
    assert [r["id"] for r in records] == ["A00007"]
