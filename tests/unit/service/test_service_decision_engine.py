"""The decision path without gRPC: extraction, index lookup, policy, idempotency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fraudgraph.service.decision_engine import DecisionEngine, DecisionPolicy
from fraudgraph.service.event_codec import EventCodec
from fraudgraph.service.identifier_extractor import IdentifierExtractor
from fraudgraph.service.outbox import Outbox
from fraudgraph.service.risk_index import RiskIndex
from fraudgraph.service.scorer import IdentifierRisk, ScoreResult, ScoringFeatures
from fraudgraph.service.scorer_holder import ScorerHolder
from fraudgraph.service.scoring_request import ScoringRequest
from fraudgraph.types import Action, Transaction


def engine(tmp_path: Path, extractor: IdentifierExtractor, *, ready: bool = True,
           fail_open: bool = True) -> DecisionEngine:  # fmt: skip
    index = RiskIndex(hub_cap=50)
    if ready:
        index.replace_all({"Account:ring-acct": IdentifierRisk(ring_id="ring-1", ring_score=0.95)})
    return DecisionEngine(
        extractor, index, ScorerHolder(), Outbox(tmp_path / "o.sqlite"),
        DecisionPolicy(0.5, 0.8, fail_open),
    )  # fmt: skip


def txn_request(
    rid: str, payee: str = "acct-2", memo: str = "", device: str = "", payer: str = "acct-1"
) -> ScoringRequest:
    txn = Transaction(rid + "-t", payer, payee, 88.0, "CNY", datetime(2025, 1, 1, tzinfo=UTC),
                      device_id=device, memo=memo)  # fmt: skip
    return ScoringRequest(rid, txn, payload_hash=f"h-{rid}-{payee}-{memo}")


def test_ring_account_is_blocked_with_ring_id(
    tmp_path: Path, extractor: IdentifierExtractor
) -> None:
    outcome = engine(tmp_path, extractor).decide(txn_request("r1", payee="ring-acct"))
    assert outcome.decision.action is Action.BLOCK
    assert outcome.decision.ring_id == "ring-1"
    assert outcome.decision.latency_ms > 0
    assert not outcome.replayed


def test_same_request_id_gives_same_decision_and_one_event(
    tmp_path: Path, extractor: IdentifierExtractor
) -> None:
    eng = engine(tmp_path, extractor)
    first = eng.decide(txn_request("r1", memo="请转 13812345678"))
    second = eng.decide(txn_request("r1", memo="请转 13812345678"))
    assert second.replayed
    assert (second.decision.score, second.decision.action) == (
        first.decision.score, first.decision.action)  # fmt: skip
    pending = eng.outbox.pending(10)
    assert len(pending) == 1
    record, entities = EventCodec.decode_event(pending[0].event)
    assert isinstance(record, Transaction)
    assert [e.canonical for e in entities] == ["+8613812345678"]


def test_identifiers_of_scored_events_become_shared(
    tmp_path: Path, extractor: IdentifierExtractor
) -> None:
    eng = engine(tmp_path, extractor)
    own = [eng.decide(txn_request(f"o{i}", device="dev-own")).decision for i in range(8)]
    assert {r.code for d in own for r in d.reasons} == {"NO_SIGNAL"}  # one party, many uses
    actions = [
        eng.decide(txn_request(f"r{i}", device="dev-x", payer=f"acct-{i}")).decision
        for i in range(8)
    ]
    assert actions[0].action is Action.ALLOW
    assert "SHARED_IDENTIFIER" in {r.code for r in actions[-1].reasons}
    assert actions[-1].score > actions[0].score


@pytest.mark.parametrize(("fail_open", "action"), [(True, Action.ALLOW), (False, Action.BLOCK)])
def test_unscorable_follows_the_policy(
    tmp_path: Path, extractor: IdentifierExtractor, fail_open: bool, action: Action
) -> None:
    eng = engine(tmp_path, extractor, ready=False, fail_open=fail_open)
    decision = eng.decide(txn_request("r1")).decision
    assert decision.action is action
    assert decision.reasons[0].code.startswith("UNSCORABLE_")
    assert eng.outbox.depth() == 1  # the event is still recorded for the graph


class BrokenModel:
    version = "gnn-broken"

    def score(self, features: ScoringFeatures) -> ScoreResult:
        raise RuntimeError("model exploded")


class FixedModel:
    version = "gnn-7"

    def score(self, features: ScoringFeatures) -> ScoreResult:
        return ScoreResult(0.6, (), self.version)


def test_broken_model_falls_back_to_rules_and_promotion_swaps(
    tmp_path: Path, extractor: IdentifierExtractor
) -> None:
    eng = engine(tmp_path, extractor)
    eng.scorer.promote(BrokenModel())
    assert eng.decide(txn_request("r1")).decision.model_version == "rules-1"
    assert eng.scorer.fallbacks == 1
    eng.scorer.promote(FixedModel())
    decision = eng.decide(txn_request("r2")).decision
    assert (decision.model_version, decision.action) == ("gnn-7", Action.REVIEW)


def test_promotion_under_load_drops_nothing(tmp_path: Path, extractor: IdentifierExtractor) -> None:
    eng = engine(tmp_path, extractor)
    versions: list[str] = []
    stop = threading.Event()

    def swap() -> None:
        models = [FixedModel(), BrokenModel()]
        n = 0
        while not stop.is_set():
            eng.scorer.promote(models[n % 2])
            n += 1

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        with ThreadPoolExecutor(4) as pool:
            decisions = pool.map(lambda i: eng.decide(txn_request(f"p{i}")).decision, range(300))
            versions = [d.model_version for d in decisions]
    finally:
        stop.set()
        swapper.join()
    assert len(versions) == 300
    assert set(versions) <= {"gnn-7", "rules-1"}
    assert eng.outbox.depth() == 300
