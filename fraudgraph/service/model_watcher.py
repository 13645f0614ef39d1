"""Follows the registry's promoted pointer and hands the service each newly promoted model.

The watcher polls ``PROMOTED`` (a one-line file replaced atomically by ``fraudgraph models
promote``); on a change it loads and prepares the model in its own thread, then hands it over
in one call, so requests never wait for a load. A model that cannot be used is logged and
skipped: the service keeps the scorer it has.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fraudgraph.errors import FraudGraphError, GraphError
from fraudgraph.gnn.registry import LoadedModel, ModelRegistry
from fraudgraph.service.background_worker import BackgroundWorker
from fraudgraph.service.scorer import Scorer

LOG = logging.getLogger(__name__)


class ModelWatcher(BackgroundWorker):
    """Polls a :class:`ModelRegistry` and promotes what it finds into the service."""

    def __init__(
        self,
        registry: ModelRegistry,
        build: Callable[[LoadedModel], Scorer],
        on_model: Callable[[Scorer], None],
        *,
        interval_s: float,
    ) -> None:
        self._registry = registry
        self._build = build
        self._on_model = on_model
        self._interval_s = interval_s
        super().__init__("model-watcher")
        #: The promoted version last seen (loaded or refused), so each is tried once.
        self.seen: str | None = None
        #: Loads finished, whether the model was taken or refused.
        self.attempts = 0

    def check(self) -> bool:
        """Load the promoted model if it changed; True when a new scorer was handed over."""
        version = self._registry.promoted_version()
        if version is None or version == self.seen:
            return False
        self.seen = version
        try:
            scorer = self._build(self._registry.load(version))
        except GraphError as exc:  # the graph is away: try this version again next time
            LOG.warning("promoted model %s waits for the graph: %s", version, exc)
            self.seen = None
            return False
        except (FraudGraphError, OSError, RuntimeError) as exc:
            LOG.warning("promoted model %s not used: %s", version, exc)
            return False
        finally:
            self.attempts += 1
        self._on_model(scorer)
        return True

    def _run(self) -> None:
        self.check()
        while not self._stop.wait(self._interval_s):
            self.check()
