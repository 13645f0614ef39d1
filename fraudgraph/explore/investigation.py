"""The investigator's entry point: one object, one readable call per notebook cell.

inv = Investigation.connect(Settings())
inv.find("139-1234-5678")           # phone, resident ID or (fuzzy) name
inv.draw("C000123").interactive()   # the neighbourhood, zoomable; .static() for a PNG
inv.explain("C000123")              # which identifiers and neighbours drive the score
inv.same_as("C000123")              # SAME_AS links: other ids of the person, other spellings
inv.rings.queue()                   # flagged rings; inv.rings.review(...) records a decision
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
from neo4j import Driver

from fraudgraph.explore.customer_finder import CustomerFinder, CustomerMatch
from fraudgraph.explore.customer_profile import CustomerProfile
from fraudgraph.explore.graph_drawing import GraphDrawing
from fraudgraph.explore.model_lab import ModelLab
from fraudgraph.explore.neighbourhood_expander import ExpandLimits, NeighbourhoodExpander
from fraudgraph.explore.ring_desk import RingDesk
from fraudgraph.explore.sample_world import SampleWorld
from fraudgraph.explore.score_explainer import ScoreExplainer, ScoreExplanation
from fraudgraph.explore.subgraph import Subgraph
from fraudgraph.graph.same_as_repository import SameAsRepository
from fraudgraph.settings import Settings

#: Entity nodes that entity resolution links (besides customers).
LINKED_LABELS = ("Organization", "Address", "Person")


class Investigation:
    """Find, expand, draw and explain customers; work rings; train and promote models."""

    def __init__(self, driver: Driver, settings: Settings, *, owns_driver: bool = False) -> None:
        self.driver = driver
        self.settings = settings
        self._owns_driver = owns_driver
        database = settings.neo4j_database
        self.finder = CustomerFinder(driver, database)
        self.expander = NeighbourhoodExpander(driver, database)
        self.explainer = ScoreExplainer(driver, database, settings.service_hub_degree_cap)
        self.rings = RingDesk(driver, database)
        self.models = ModelLab(driver, database, settings.models_dir)
        self.links = SameAsRepository(driver, database)

    @classmethod
    def connect(cls, settings: Settings | None = None) -> Investigation:
        """Connect with ``settings`` (environment variables when None); close() when done."""
        from fraudgraph.graph.driver import check_connectivity, create_driver

        settings = settings or Settings()
        driver = create_driver(settings)
        try:
            check_connectivity(driver, settings.neo4j_database)
        except BaseException:
            driver.close()
            raise
        return cls(driver, settings, owns_driver=True)

    # --- finding ------------------------------------------------------------------------------
    def suspects(self, limit: int = 10) -> list[dict[str, Any]]:
        """Customers in live flagged rings, highest ring score first (a place to start)."""
        return self.finder.in_rings(limit)

    def profile(self, customer_id: str) -> CustomerProfile:
        """The customer's name and identifiers (phones, ID numbers...), most shared first."""
        names = self.finder.names([customer_id])
        facts = self.explainer.identifiers(customer_id)
        return CustomerProfile(customer_id, names.get(customer_id, ""), facts)

    def find(self, text: str, limit: int = 10) -> list[CustomerMatch]:
        """Customers matching a phone, a resident ID number or a name (fuzzy)."""
        return self.finder.search(text, limit)

    def find_phone(self, phone: str) -> list[CustomerMatch]:
        return self.finder.by_phone(phone)

    def find_id_number(self, id_number: str) -> list[CustomerMatch]:
        return self.finder.by_id_number(id_number)

    def find_name(self, name: str, limit: int = 10, min_score: float = 80.0) -> list[CustomerMatch]:
        return self.finder.by_name(name, limit, min_score)

    # --- neighbourhoods -----------------------------------------------------------------------
    def neighbourhood(
        self, customer_id: str, hops: int = 4, max_nodes: int = 300, money: bool = False
    ) -> Subgraph:
        """Records, identifiers and other customers within ``hops``; hubs are not expanded."""
        limits = ExpandLimits(hops=hops, hub_cap=self.settings.rings_hub_cap,
                              max_nodes=max_nodes, money=money)  # fmt: skip
        return self.expander.expand([("Customer", customer_id)], limits)

    def draw(self, customer_id: str, hops: int = 4, max_nodes: int = 300) -> GraphDrawing:
        """Pictures of the neighbourhood: ``.interactive()`` (HTML) and ``.static()`` (PNG)."""
        return GraphDrawing(
            self.neighbourhood(customer_id, hops, max_nodes), f"customer {customer_id}"
        )

    # --- scores -------------------------------------------------------------------------------
    def explain(self, customer_id: str) -> ScoreExplanation:
        """The customer's rule score, its reasons, and each identifier's/neighbour's part."""
        return self.explainer.explain(customer_id)

    # --- entity resolution ----------------------------------------------------------------------
    def same_as(self, customer_id: str) -> list[dict[str, Any]]:
        """SAME_AS links of the customer (its other customer ids) and of its employers,
        addresses and names (their other spellings), strongest first per node."""
        nodes = [("Customer", customer_id)] + [
            (fact.label, fact.key)
            for fact in self.profile(customer_id).identifiers
            if fact.label in LINKED_LABELS
        ]
        return [
            {"label": label, "key": key, "same_as": link.key, "confidence": link.confidence,
             "method": link.method, "evidence": ", ".join(link.evidence),
             "status": link.status}
            for label, key in nodes
            for link in self.links.links_of(label, key)
        ]  # fmt: skip

    # --- data ---------------------------------------------------------------------------------
    def sample_world_labels(self) -> dict[tuple[str, str], int]:
        """Ground truth of the sample world loaded for the notebooks (model-team notebook)."""
        return self.models.world_labels(SampleWorld.folder(self.settings))

    @staticmethod
    def table(rows: Iterable[Any] | Mapping[str, Any]) -> pd.DataFrame:
        """Rows (dicts or dataclasses) as a DataFrame for display."""
        from dataclasses import asdict, is_dataclass

        if isinstance(rows, Mapping):
            return pd.DataFrame([rows])
        items = [asdict(r) if is_dataclass(r) and not isinstance(r, type) else r for r in rows]
        return pd.DataFrame(items)

    def close(self) -> None:
        if self._owns_driver:
            self.driver.close()

    def __enter__(self) -> Investigation:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:  # fmt: skip
        self.close()

    @property
    def var_dir(self) -> Path:
        return self.settings.var_dir
