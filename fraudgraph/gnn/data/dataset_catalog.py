"""Resolve ``--dataset NAME|PATH`` to a :class:`GraphDataset`."""

from __future__ import annotations

from pathlib import Path

from fraudgraph.errors import NotFoundError
from fraudgraph.gnn.data.amlsim import AmlSimDataset
from fraudgraph.gnn.data.graph_dataset import GraphDataset
from fraudgraph.gnn.data.reddit import RedditDataset
from fraudgraph.gnn.data.tolokers import TolokersDataset

KNOWN = ("tolokers", "reddit", "amlsim-cycle200")


class DatasetCatalog:
    """Public benchmark sets under ``<datasets_root>/graph`` plus any AMLSim-shaped folder."""

    def __init__(self, datasets_root: Path) -> None:
        self.graph_root = datasets_root / "graph"

    def load(self, name_or_path: str, seeds: int = 10) -> GraphDataset:
        """Load a public set by name, or an AMLSim folder by path (``seeds`` random splits)."""
        if name_or_path == "tolokers":
            return TolokersDataset.load(self.graph_root / "tolokers")
        if name_or_path == "reddit":
            return RedditDataset.load(self.graph_root / "reddit", seeds)
        if name_or_path in {"amlsim-cycle200", "amlsim"}:
            return AmlSimDataset.load(self.graph_root / "amlsim-cycle200", seeds)
        folder = Path(name_or_path)
        if folder.is_dir():
            return AmlSimDataset.load(folder, seeds)
        raise NotFoundError(
            f"unknown dataset {name_or_path!r}: use one of {', '.join(KNOWN)} or a folder path"
        )
