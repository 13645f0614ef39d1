"""SAME_AS links between entity nodes in a real Neo4j: proposed, listed, reviewed, kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver

from fraudgraph.errors import InvalidInputError
from fraudgraph.graph.record_store import RecordStore
from fraudgraph.graph.same_as_repository import SameAsRepository
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.ingest.entity_link_job import LINKER, RESOLVER, EntityLinkJob, LinkCounts
from fraudgraph.nlp.entity_resolver import SameAsLink
from fraudgraph.nlp.extractor import VERSION
from fraudgraph.nlp.party_record import PartyRecord
from fraudgraph.settings import Settings
from fraudgraph.types import EntityKind
from tests.integration.ingest.ingest_fixtures import customer, write_jsonl

GROUP, CHINA = "阿里巴巴集团", "阿里巴巴(中国)有限公司"
VALID_ID = "11010519491231002X"  # check digit X
ROAD = "district=西湖|road=文3路"


def _seed(driver: Driver, database: str) -> None:
    init_schema(driver, database)
    store = RecordStore(driver, database)
    store.merge_nodes("Organization", [{"key": k, "props": {}} for k in (GROUP, CHINA, "腾讯科技")])
    addresses = (f"{ROAD}|roadno=100|poi=华星大厦", f"{ROAD}|roadno=100|poi=华兴大厦",
                 f"{ROAD}|roadno=101|poi=华星大厦")  # fmt: skip
    store.merge_nodes("Address", [{"key": k, "props": {}} for k in addresses])


def test_links_are_proposed_with_evidence_and_a_rejection_survives_a_rerun(
    driver: Driver, neo4j_settings: Settings
) -> None:
    database = neo4j_settings.neo4j_database
    _seed(driver, database)
    repository = SameAsRepository(driver, database)
    job = EntityLinkJob(repository)
    # The neighbouring building (No. 101) is not linked; Tencent shares no core with Alibaba.
    assert {label: c.stored for label, c in job.run().items()} == {
        "Organization": 1, "Address": 1, "Person": 0,
    }  # fmt: skip
    [stored] = repository.links_of("Organization", GROUP)
    assert (stored.key, stored.status, stored.method) == (CHINA, "candidate", "fuzzy")
    assert stored.evidence[0] == "core"
    assert stored.confidence == pytest.approx(0.95)
    assert (stored.extractor, stored.version) == (LINKER, VERSION)
    assert repository.links_of("Organization", "腾讯科技") == []

    assert repository.review("Organization", GROUP, CHINA, "rejected", "analyst-7")
    job.run()
    [again] = repository.links_of("Organization", CHINA)
    assert (again.key, again.status) == (GROUP, "rejected")
    counts = graph_counts(driver, database)
    assert counts.relationships.get("SAME_AS") == 2  # re-running added nothing


def test_a_rerun_prunes_unreviewed_links_it_no_longer_proposes(
    driver: Driver, neo4j_settings: Settings
) -> None:
    database = neo4j_settings.neo4j_database
    _seed(driver, database)
    repository = SameAsRepository(driver, database)
    # Links an older linker version made that this one does not: one unreviewed, one confirmed.
    old = [SameAsLink(GROUP, "腾讯科技", 0.7, ("old rule",), "fuzzy"),
           SameAsLink(CHINA, "腾讯科技", 0.7, ("old rule",), "fuzzy")]  # fmt: skip
    assert repository.write("Organization", old, LINKER, "0.0.1", "old-run") == 2
    assert repository.review("Organization", CHINA, "腾讯科技", "confirmed", "analyst-7")

    counts = EntityLinkJob(repository).run([EntityKind.ORGANIZATION])

    assert counts == {"Organization": LinkCounts(stored=1, pruned=1)}
    kept = {(link.key, link.status, link.extractor) for link in
            repository.links_of("Organization", "腾讯科技")}  # fmt: skip
    assert kept == {(CHINA, "confirmed", LINKER)}


def test_customer_links_are_pruned_only_among_the_records_linked(
    driver: Driver, neo4j_settings: Settings
) -> None:
    database = neo4j_settings.neo4j_database
    init_schema(driver, database)
    keys = ("C1", "C2", "C8", "C9")
    RecordStore(driver, database).merge_nodes("Customer", [{"key": k, "props": {}} for k in keys])
    repository = SameAsRepository(driver, database)
    stale = [
        SameAsLink("C1", "C2", 0.9, ("phone",), "fuzzy"),  # among this run's records
        SameAsLink("C8", "C9", 0.9, ("phone",), "fuzzy"),
    ]  # from another file's records
    repository.write("Customer", stale, RESOLVER, VERSION, "earlier")
    records = [PartyRecord("C1", "李伟", VALID_ID, "13912345678"),
               PartyRecord("C2", "王芳", "", "13800000000")]  # fmt: skip

    assert EntityLinkJob(repository).link_customers(records) == LinkCounts(stored=0, pruned=1)
    assert repository.links_of("Customer", "C1") == []
    assert [link.key for link in repository.links_of("Customer", "C8")] == ["C9"]


def test_review_refuses_bad_input_and_reports_a_missing_link(
    driver: Driver, neo4j_settings: Settings
) -> None:
    database = neo4j_settings.neo4j_database
    _seed(driver, database)
    repository = SameAsRepository(driver, database)
    with pytest.raises(InvalidInputError, match="status"):
        repository.review("Organization", GROUP, CHINA, "merged", "analyst-7")
    with pytest.raises(InvalidInputError, match="reviewer"):
        repository.review("Organization", GROUP, CHINA, "rejected", " ")
    with pytest.raises(InvalidInputError, match="label"):
        repository.keys("Organization) DETACH DELETE (n")
    assert not repository.review("Organization", GROUP, "腾讯科技", "rejected", "analyst-7")


def test_cli_ingest_proposes_links_unless_told_not_to(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "world"
    folder.mkdir()
    employers = {1: GROUP, 2: CHINA, 3: "腾讯科技"}
    rows = [{**customer(i), "employer": name} for i, name in employers.items()]
    rows[2]["id_number"] = rows[0]["id_number"] = VALID_ID  # one person, two customer ids
    write_jsonl(folder / "customers.jsonl", rows)
    env = _cli_env(neo4j_settings, tmp_path)
    cmd = [sys.executable, "-m", "fraudgraph.cli", "ingest", str(folder / "customers.jsonl"),
           "--kind", "customers", "--no-nlp"]  # fmt: skip
    done = subprocess.run([*cmd, "--no-link"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SAME_AS" not in graph_counts(driver, neo4j_settings.neo4j_database).relationships
    done = subprocess.run([*cmd, "--restart"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SAME_AS candidates: Customer 1, Organization 1" in done.stdout
    repository = SameAsRepository(driver, neo4j_settings.neo4j_database)
    assert [link.key for link in repository.links_of("Organization", GROUP)] == [CHINA]
    [same] = repository.links_of("Customer", "C0001")
    assert (same.key, same.evidence, same.extractor) == ("C0003", ("id_number",), RESOLVER)
    done = _nlp(env, "review-link", "customer", "C0001", "C0003", "--status", "rejected",
                "--reviewer", "analyst-7")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert repository.links_of("Customer", "C0003")[0].status == "rejected"


def test_customers_of_one_person_are_linked_from_their_master_records(
    driver: Driver, neo4j_settings: Settings
) -> None:
    database = neo4j_settings.neo4j_database
    init_schema(driver, database)
    RecordStore(driver, database).merge_nodes(
        "Customer", [{"key": key, "props": {}} for key in ("C1", "C2", "C3")]
    )
    records = [
        PartyRecord("C1", "李伟", VALID_ID, "13912345678"),
        PartyRecord("C2", "Li Wei", VALID_ID, "139 1234 5678"),
        PartyRecord("C3", "王芳", "", "13800000000"),
    ]
    repository = SameAsRepository(driver, database)
    assert EntityLinkJob(repository).link_customers(records) == LinkCounts(stored=1, pruned=0)
    [link] = repository.links_of("Customer", "C2")
    assert (link.key, link.status, link.extractor) == ("C1", "candidate", RESOLVER)
    assert "id_number" in link.evidence
    assert repository.links_of("Customer", "C3") == []


def test_link_and_review_link_commands(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    _seed(driver, neo4j_settings.neo4j_database)
    env = _cli_env(neo4j_settings, tmp_path)
    done = _nlp(env, "link", "--kinds", "organization")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "Organization: 1 SAME_AS links"
    review = ["review-link", "organization", GROUP, CHINA, "--reviewer", "analyst-7"]
    done = _nlp(env, *review, "--status", "rejected")
    assert done.returncode == 0, done.stdout + done.stderr
    [link] = SameAsRepository(driver, neo4j_settings.neo4j_database).links_of("Organization", GROUP)
    assert link.status == "rejected"
    missing = ["review-link", "organization", GROUP, "腾讯科技", "--reviewer", "analyst-7"]
    done = _nlp(env, *missing, "--status", "rejected")
    assert done.returncode != 0
    assert "no SAME_AS link" in done.stdout + done.stderr


def test_link_command_uses_the_organisation_directory_of_the_settings(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    database = neo4j_settings.neo4j_database
    _seed(driver, database)
    RecordStore(driver, database).merge_nodes("Organization", [{"key": "tencent", "props": {}}])
    directory = tmp_path / "orgs.tsv"
    directory.write_text("腾讯科技\tTencent\n", encoding="utf-8")
    env = {**_cli_env(neo4j_settings, tmp_path),
           "FRAUDGRAPH_NLP_ORGANISATION_DIRECTORY": str(directory)}  # fmt: skip
    done = _nlp(env, "link", "--kinds", "organization")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "Organization: 2 SAME_AS links"
    [link] = SameAsRepository(driver, database).links_of("Organization", "tencent")
    assert (link.key, link.method) == ("腾讯科技", "directory")
    assert link.evidence == ("directory", "entry:腾讯科技")
    env["FRAUDGRAPH_NLP_ORGANISATION_DIRECTORY"] = str(tmp_path / "missing.tsv")
    done = _nlp(env, "link", "--kinds", "organization")
    assert done.returncode != 0
    assert "no organisation directory" in done.stdout + done.stderr


def test_review_queue_lists_links_of_a_status_weakest_first(
    driver: Driver, neo4j_settings: Settings, tmp_path: Path
) -> None:
    database = neo4j_settings.neo4j_database
    _seed(driver, database)
    repository = SameAsRepository(driver, database)
    EntityLinkJob(repository).run([EntityKind.ORGANIZATION])
    weak = SameAsLink("腾讯科技", GROUP, 0.55, ("manual",), "manual")
    repository.write("Organization", [weak], "analyst", "1", "r1")
    queue = repository.queue("Organization")
    assert [(left, link.key, link.confidence) for left, link in queue] == [
        ("腾讯科技", GROUP, 0.55), (CHINA, GROUP, pytest.approx(0.95)),
    ]  # fmt: skip
    assert [link.key for _, link in repository.queue("Organization", limit=1, skip=1)] == [GROUP]
    assert repository.queue("Organization", status="rejected") == []
    with pytest.raises(InvalidInputError, match="status"):
        repository.queue("Organization", status="merged")
    with pytest.raises(InvalidInputError, match="limit"):
        repository.queue("Organization", limit=0)

    env = _cli_env(neo4j_settings, tmp_path)
    done = _nlp(env, "links", "organization", "--limit", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [f"0.55\t腾讯科技\t{GROUP}\tmanual\tmanual"]
    done = _nlp(env, "links", "company")
    assert done.returncode != 0
    assert "customer" in done.stdout + done.stderr  # the error lists the kinds


def _cli_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NEO4J_URI": settings.neo4j_uri,
        "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
        "NEO4J_DATABASE": settings.neo4j_database,
        "FRAUDGRAPH_VAR_DIR": str(tmp_path / "var"),
    }


def _nlp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``fraudgraph nlp ARGS`` in a child process with ``env``."""
    command = [sys.executable, "-m", "fraudgraph.cli", "nlp", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True)
