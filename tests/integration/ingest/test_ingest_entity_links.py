"""SAME_AS links between entity nodes in a real Neo4j: proposed, listed, reviewed, kept."""

from __future__ import annotations

import pytest
from neo4j import Driver

from fraudgraph.errors import InvalidInputError
from fraudgraph.graph.record_store import RecordStore
from fraudgraph.graph.same_as_repository import SameAsRepository
from fraudgraph.graph.schema import init_schema
from fraudgraph.graph.stats import graph_counts
from fraudgraph.ingest.entity_link_job import LINKER, EntityLinkJob
from fraudgraph.nlp.extractor import VERSION
from fraudgraph.settings import Settings

GROUP, CHINA = "阿里巴巴集团", "阿里巴巴(中国)有限公司"
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
    assert job.run() == {"Organization": 1, "Address": 1, "Person": 0}
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
