"""A small synthetic world loaded into Neo4j, rings detected: what the notebooks explore.

The world is written under ``settings.var_dir / "sample-world"`` so that the model-team notebook
can read its ground-truth labels (``truth/labels.jsonl``) next to the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver

from fraudgraph.graph.admin import wipe_graph
from fraudgraph.graph.schema import init_schema
from fraudgraph.settings import Settings

WORLD_FOLDER = "sample-world"


@dataclass(frozen=True, slots=True)
class SampleWorldSummary:
    """What was loaded."""

    world: Path
    counts: dict[str, int]
    rings: int


class SampleWorld:
    """Generate, ingest and screen a small world (wipes the database first)."""

    def __init__(self, settings: Settings, applications: int = 400, seed: int = 11) -> None:
        self.settings = settings
        self.applications = applications
        self.seed = seed

    @staticmethod
    def folder(settings: Settings) -> Path:
        """Where the world's files (and its truth) are kept."""
        return (settings.var_dir / WORLD_FOLDER).resolve()

    def load(self, driver: Driver) -> SampleWorldSummary:
        """Wipe the database, then generate, ingest, propose SAME_AS links and run ring
        detection."""
        from fraudgraph.ingest.entity_link_job import EntityLinkJob
        from fraudgraph.ingest.loader import Loader
        from fraudgraph.ingest.sources import synth_files
        from fraudgraph.nlp.extractor import EntityExtractor
        from fraudgraph.synth.world_config import WorldConfig
        from fraudgraph.synth.world_generator import generate_world

        database = self.settings.neo4j_database
        world = self.folder(self.settings)
        summary = generate_world(world, WorldConfig(self.applications, seed=self.seed))
        wipe_graph(driver, database)
        init_schema(driver, database)
        loader = Loader(
            driver, database, state_dir=world / "ingest-state",
            extractor=EntityExtractor.load(), progress=False,
        )  # fmt: skip
        files = synth_files(world)
        loader.load(world, files, restart=True)
        EntityLinkJob.after_load(driver, self.settings, files)  # SAME_AS, as ingest proposes
        return SampleWorldSummary(world, dict(summary.counts), self._detect_rings(driver))

    def _detect_rings(self, driver: Driver) -> int:
        from fraudgraph.rings.ring_detector import RingConfig, RingDetector
        from fraudgraph.rings.ring_scorer import RingScorer

        calibration = self.settings.models_dir / "rings_calibration.json"
        detector = RingDetector(
            RingConfig.from_settings(self.settings), RingScorer.load(calibration)
        )
        return len(detector.detect(driver, self.settings.neo4j_database).rings)
