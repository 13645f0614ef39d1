"""Loading the :class:`RiskIndex` from Neo4j, once at start and then on a timer.

A full load reads every identifier of the graph (about 30 s of Neo4j's time on a graph of
100k applications / 1M transactions), and Neo4j usually shares the machine with the service:
so a refresh waits ``interval_s`` or ``IDLE_FACTOR`` times the last load's duration, whichever
is longer, and loading never takes more than about a tenth of Neo4j's time.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from neo4j import Driver

from fraudgraph.errors import GraphError
from fraudgraph.graph.errors import neo4j_errors
from fraudgraph.graph.queries import ServiceQueries
from fraudgraph.service.background_worker import BackgroundWorker
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer import IdentifierRisk

LOG = logging.getLogger(__name__)
#: After a load of t seconds, the next one waits at least IDLE_FACTOR * t.
IDLE_FACTOR = 9.0


class RiskIndexLoader(BackgroundWorker):
    """Reads shared identifiers and ring neighbourhoods into a :class:`RiskIndex`."""

    def __init__(
        self,
        driver: Driver,
        database: str,
        index: RiskIndex,
        *,
        hub_cap: int,
        interval_s: float,
        on_error: Callable[[Exception], None] | None = None,
        on_loaded: Callable[[], None] | None = None,
    ) -> None:
        self._driver = driver
        self._database = database
        self.index = index
        self._hub_cap = hub_cap
        self._interval_s = interval_s
        self._on_error = on_error
        self._on_loaded = on_loaded
        super().__init__("risk-index")
        self.last_load_s = 0.0

    def load(self) -> int:
        """Replace the index with the graph's current state; return its size."""
        started = time.perf_counter()
        entries: dict[str, IdentifierRisk] = {}
        with neo4j_errors(), self._driver.session(database=self._database) as session:
            shared = session.run(
                ServiceQueries.SHARED_IDENTIFIERS, cap=self._hub_cap, scan=10 * self._hub_cap
            )
            for rec in shared:
                entries[RiskIndex.key(rec["label"], rec["key"])] = IdentifierRisk(
                    links=int(rec["links"]),
                    valid=bool(rec["valid"]),
                    model_score=None if rec["model_score"] is None else float(rec["model_score"]),
                )
            for rec in session.run(ServiceQueries.RING_NEIGHBOURHOODS, cap=self._hub_cap):
                self._add_ring(entries, rec["label"], rec["key"], rec["ring_id"], rec["ring_score"])
        self.index.replace_all(entries)
        self.last_load_s = time.perf_counter() - started
        LOG.info("risk index: %d entries in %.2fs", len(entries), self.last_load_s)
        return len(entries)

    def try_load(self) -> bool:
        """:meth:`load`, reporting instead of raising when Neo4j is away."""
        try:
            self.load()
        except GraphError as exc:
            LOG.warning("risk index load failed: %s", exc)
            if self._on_error is not None:
                self._on_error(exc)
            return False
        if self._on_loaded is not None:
            self._on_loaded()
        return True

    def next_wait_s(self) -> float:
        """Seconds until the next refresh: soon while the index is missing, else paced."""
        if not self.index.ready:
            return 1.0
        return max(self._interval_s, IDLE_FACTOR * self.last_load_s)

    def _run(self) -> None:
        while not self._stop.wait(self.next_wait_s()):
            self.try_load()

    @staticmethod
    def _add_ring(
        entries: dict[str, IdentifierRisk], label: str, key: str | None, ring: str, score: float
    ) -> None:
        if key is None:
            return
        index_key = RiskIndex.key(label, key)
        old = entries.get(index_key, IdentifierRisk())
        if old.ring_id is None or score > old.ring_score:
            entries[index_key] = IdentifierRisk(
                old.links, ring, float(score), old.model_score, old.valid
            )
