"""Leave-one-out explanations of the rule score, and threshold choice on validation."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest
import torch
from neo4j import Driver
from torch_geometric.data import Data

from fraudgraph.errors import InvalidInputError
from fraudgraph.explore.model_lab import ModelLab, ModelRun
from fraudgraph.explore.score_explainer import CustomerFacts, IdentifierFact, ScoreExplainer
from fraudgraph.gnn.data.graph_dataset import GraphDataset


def _fact(label: str, key: str, others: tuple[str, ...], valid: bool = True) -> IdentifierFact:
    return IdentifierFact(label, key, valid, None, ("HAS_PHONE",), others, len(others))


def _facts(*identifiers: IdentifierFact, rings: dict[str, tuple[str, float]]) -> CustomerFacts:
    return CustomerFacts("C1", identifiers, rings, amount=1000.0, income=5000.0)


EXPLAINER = ScoreExplainer(cast(Driver, None), "neo4j", hub_cap=200)


def test_no_signal_scores_low() -> None:
    result = EXPLAINER.score(_facts(_fact("Phone", "+861", ()), rings={}))
    assert [r.code for r in result.reasons] == ["NO_SIGNAL"]


def test_a_widely_shared_phone_counts_until_left_out() -> None:
    phone = _fact("Phone", "+861", tuple(f"C{i}" for i in range(2, 12)))
    facts = _facts(phone, _fact("Email", "a@b", ()), rings={})
    base = EXPLAINER.score(facts)
    assert "SHARED_IDENTIFIER" in {r.code for r in base.reasons}
    without = EXPLAINER.score(facts, drop_key="Phone:+861")
    assert [r.code for r in without.reasons] == ["NO_SIGNAL"]
    assert without.score < base.score


def test_neighbour_in_a_ring_drives_the_score_and_leaving_it_out_removes_it() -> None:
    device = _fact("Device", "d1", ("C2",))
    facts = _facts(device, rings={"C2": ("RING-1", 0.9)})
    base = EXPLAINER.score(facts)
    assert base.ring_id == "RING-1"
    assert base.score >= 0.6
    assert EXPLAINER.score(facts, drop_customer="C2").ring_id is None
    own = _facts(_fact("Device", "d1", ()), rings={"C1": ("RING-7", 0.8)})
    assert EXPLAINER.score(own).ring_id == "RING-7"
    assert EXPLAINER.score(own, drop_ring="RING-7").ring_id is None
    both = _facts(device, rings={"C1": ("RING-1", 0.9), "C2": ("RING-1", 0.9)})
    assert EXPLAINER.score(both, drop_customer="C2").ring_id == "RING-1"  # still a member
    assert EXPLAINER.score(both, drop_ring="RING-1").ring_id is None


def test_invalid_identifier_is_a_reason() -> None:
    facts = _facts(_fact("IdNumber", "110105199001011230", (), valid=False), rings={})
    assert "INVALID_IDENTIFIER" in {r.code for r in EXPLAINER.score(facts).reasons}


def _run() -> ModelRun:
    rng = np.random.default_rng(0)
    y_val = np.array([0] * 90 + [1] * 10)
    y_test = np.array([0] * 90 + [1] * 10)
    good = lambda y: np.clip(y * 0.6 + rng.uniform(0, 0.5, y.size), 0, 1)  # noqa: E731
    toy = Data(x=torch.zeros(2, 1), y=torch.zeros(2, dtype=torch.long),
               edge_index=torch.zeros(2, 0, dtype=torch.long))  # fmt: skip
    run = ModelRun(GraphDataset("toy", toy, [], []), y_val, y_test)
    run.val = {"gnn": good(y_val), "trees": rng.uniform(0, 1, 100)}
    run.test = {"gnn": good(y_test), "trees": rng.uniform(0, 1, 100)}
    return run


def test_threshold_reaches_the_precision_asked_for_on_validation() -> None:
    run = _run()
    chosen = ModelLab.choose_threshold(run, "gnn", min_precision=0.9)
    assert chosen.val_precision >= 0.9
    hits = run.val["gnn"] >= chosen.threshold
    assert chosen.val_recall == pytest.approx(float(run.y_val[hits].sum()) / 10)
    lower = ModelLab.choose_threshold(run, "gnn", min_precision=0.5)
    assert lower.threshold <= chosen.threshold
    assert lower.val_recall >= chosen.val_recall
    with pytest.raises(InvalidInputError):
        ModelLab.choose_threshold(run, "nope")


def test_compare_reports_each_method_and_the_better_one_wins() -> None:
    rows = {r["method"]: r for r in ModelLab.compare(_run())}
    assert set(rows) == {"gnn", "trees"}
    assert rows["gnn"]["auprc"] > rows["trees"]["auprc"]
    assert ModelLab.pr_curves(_run()).png.startswith(b"\x89PNG")
