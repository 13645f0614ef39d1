"""The real-time decision path: extract, look up, score, decide, record.

Nothing here talks to Neo4j: the neighbourhood comes from the in-memory :class:`RiskIndex`, and
the scored event goes to the SQLite outbox, which a background flusher writes to the graph.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from fraudgraph.ingest.graph_rows import ENTITY_NODES, FREE_TEXT_FIELDS, STRUCTURED_FIELDS
from fraudgraph.nlp.extractor import TextRecord
from fraudgraph.service.event_codec import EventCodec
from fraudgraph.service.identifier_extractor import EntitySource
from fraudgraph.service.identifier_masker import IdentifierMasker
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.reason_catalog import ReasonCatalog
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer import ScoreResult, ScoringFeatures
from fraudgraph.service.scorer_holder import ScorerHolder
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.types import Action, Application, Decision, Entity, Transaction

LOG = logging.getLogger(__name__)
#: The fields of each record type that the extractor reads (a person's own name is not one).
_TEXT_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(
        f for f in (*STRUCTURED_FIELDS[cls.__name__], *FREE_TEXT_FIELDS[cls.__name__])
        if f != "name"
    )
    for cls in (Transaction, Application)
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DecisionPolicy:
    """Thresholds turning a score into an action, and what to do when nothing can be scored."""

    review_threshold: float = 0.5
    block_threshold: float = 0.8
    fail_open: bool = True

    def action(self, score: float) -> Action:
        """ALLOW below the review threshold, BLOCK from the block threshold, REVIEW between."""
        if score >= self.block_threshold:
            return Action.BLOCK
        if score >= self.review_threshold:
            return Action.REVIEW
        return Action.ALLOW


@dataclass(frozen=True, slots=True)
class Outcome:
    """A decision and whether it is the stored answer to a repeated request id."""

    decision: Decision
    replayed: bool


class DecisionEngine:
    """Scores validated requests and records them exactly once."""

    def __init__(
        self,
        extractor: EntitySource,
        index: RiskIndex,
        scorer: ScorerHolder,
        outbox: Outbox,
        policy: DecisionPolicy,
        on_decision: Callable[[Decision], None] | None = None,
    ) -> None:
        self.extractor = extractor
        self.index = index
        self.scorer = scorer
        self.outbox = outbox
        self.policy = policy
        self._on_decision = on_decision

    def decide(self, request: ScoringRequest) -> Outcome:
        """The decision for ``request``: the stored one for a known id, else a new one."""
        started = time.perf_counter()
        # No look-up first: a retried id is rare, so it is scored again and the outbox's
        # insert, which keeps the first decision of an id, says it was seen (one statement).
        entities = self._entities(request.record)
        entity_keys = [
            RiskIndex.key(ENTITY_NODES[e.kind][0], e.canonical)
            for e in entities
            if e.kind in ENTITY_NODES
        ]
        keys = entity_keys + self._record_keys(request.record)
        result = self._score(request, entities, keys)
        decision = Decision(
            request_id=request.request_id,
            score=result.score,
            action=self._action(result),
            reasons=result.reasons,
            model_version=result.model_version,
            ring_id=result.ring_id,
        )
        encoded = EventCodec.encode_decision(decision)
        kept = self.outbox.record(
            request.request_id,
            request.payload_hash,
            encoded,
            EventCodec.encode_event(request.record, entities),
        )
        if kept is not encoded:  # this id was answered before (or by another thread just now)
            return Outcome(self._timed(EventCodec.decode_decision(kept), started), True)
        self.index.note_event(entity_keys, self._party(request.record))
        decision = self._timed(decision, started)
        if LOG.isEnabledFor(logging.DEBUG):
            self._log(request, decision)
        if self._on_decision is not None:
            self._on_decision(decision)
        return Outcome(decision, False)

    def _score(
        self, request: ScoringRequest, entities: list[Entity], keys: list[str]
    ) -> ScoreResult:
        if not self.index.ready:
            return self._unscorable()
        record = request.record
        is_txn = isinstance(record, Transaction)
        features = ScoringFeatures(
            kind="transaction" if is_txn else "application",
            record_id=record.transaction_id if is_txn else record.application_id,  # type: ignore[union-attr]
            amount=record.amount,
            income=0.0 if is_txn else record.income,  # type: ignore[union-attr]
            entities=tuple(entities),
            neighbours=self.index.lookup(keys),
            keys=tuple(keys),
        )
        try:
            return self.scorer.score(features)
        except Exception:  # even the rules failed: the policy decides, the request still ends
            LOG.exception("scoring failed for a %s", features.kind)
            return self._unscorable()

    def _unscorable(self) -> ScoreResult:
        if self.policy.fail_open:
            return ScoreResult(0.0, (ReasonCatalog.UNSCORABLE_FAIL_OPEN,), "unscored")
        return ScoreResult(1.0, (ReasonCatalog.UNSCORABLE_FAIL_CLOSED,), "unscored")

    def _action(self, result: ScoreResult) -> Action:
        if result.model_version == "unscored":
            return Action.ALLOW if self.policy.fail_open else Action.BLOCK
        return self.policy.action(result.score)

    def _entities(self, record: Transaction | Application) -> list[Entity]:
        if isinstance(record, Transaction):
            source, language = record.transaction_id, None
        else:
            source, language = record.application_id, record.language
        texts = [
            TextRecord(text, source, f, language)
            for f in _TEXT_FIELDS[type(record)]
            if (text := getattr(record, f))
        ]
        return [e for found in self.extractor.extract_many(texts) for e in found]

    @staticmethod
    def _party(record: Transaction | Application) -> str:
        """Who is behind the record: the payer account, or the applying customer."""
        if isinstance(record, Transaction):
            return RiskIndex.key("Account", record.payer_account)
        return RiskIndex.key("Customer", record.customer_id)

    @staticmethod
    def _record_keys(record: Transaction | Application) -> list[str]:
        """Accounts and customers the record involves: ring members are indexed by them."""
        if isinstance(record, Transaction):
            return [RiskIndex.key("Account", record.payer_account),
                    RiskIndex.key("Account", record.payee_account)]  # fmt: skip
        return [RiskIndex.key("Customer", record.customer_id)]

    @staticmethod
    def _log(request: ScoringRequest, decision: Decision) -> None:
        record = request.record
        parties = (
            [record.payer_account, record.payee_account]
            if isinstance(record, Transaction)
            else [record.customer_id]
        )
        LOG.debug(
            "decision",
            extra={
                "request_id": request.request_id,
                "action": decision.action.value,
                "score": decision.score,
                "ring_id": decision.ring_id,
                "parties": [IdentifierMasker.mask(p) for p in parties],
            },
        )

    @staticmethod
    def _timed(decision: Decision, started: float) -> Decision:
        return Decision(
            decision.request_id, decision.score, decision.action, decision.reasons,
            decision.model_version, decision.ring_id, (time.perf_counter() - started) * 1000.0,
        )  # fmt: skip
