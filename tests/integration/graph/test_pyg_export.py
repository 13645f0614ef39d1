"""Export from the real Neo4j to PyG: typed nodes and edges, stable ids, meaningful features."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from neo4j import Driver

from fraudgraph.graph.pyg_export import GraphExporter
from fraudgraph.graph.schema import init_schema
from fraudgraph.ingest.loader import Loader
from fraudgraph.ingest.sources import synth_files
from fraudgraph.nlp.extractor import EntityExtractor
from fraudgraph.settings import Settings
from tests.integration.ingest.ingest_fixtures import small_world

pytestmark = pytest.mark.integration


def test_export_small_world(driver: Driver, neo4j_settings: Settings, tmp_path: Path) -> None:
    folder = small_world(tmp_path / "world", customers=21, transactions=100)
    init_schema(driver, neo4j_settings.neo4j_database)
    extractor = EntityExtractor.load()
    loader = Loader(
        driver, neo4j_settings.neo4j_database, state_dir=tmp_path, extractor=extractor,
        progress=False,
    )  # fmt: skip
    loader.load(folder, synth_files(folder))

    exporter = GraphExporter(driver, neo4j_settings.neo4j_database)
    labels = {("Application", "A00003"): 1, ("Application", "A00004"): 0}
    first = exporter.export(labels)
    data = first.data
    assert data["Application"].num_nodes == 21
    assert data["Account"].num_nodes == 21
    assert data["Device"].num_nodes == 7  # dev-0 .. dev-6 shared by 3 applications each
    assert data["Account", "PAYS", "Account"].edge_index.shape == (2, 100)
    assert data["Customer", "APPLIED", "Application"].edge_index.shape == (2, 21)
    assert data["Application", "USED_DEVICE", "Device"].edge_index.shape == (2, 21)

    apps = first.index_of("Application")
    names = first.feature_names["Application"]
    shared = data["Application"].x[:, names.index("shared_USED_DEVICE_Device")]
    assert shared[apps["A00003"]].item() == pytest.approx(torch.log1p(torch.tensor(2.0)).item())
    y = data["Application"].y
    assert y[apps["A00003"]] == 1
    assert y[apps["A00004"]] == 0
    assert int((y == -1).sum()) == 19  # everything else is unlabelled

    again = exporter.export(labels)
    assert again.keys == first.keys  # stable id maps
    for node_type in data.node_types:
        assert torch.equal(again.data[node_type].x, data[node_type].x)
