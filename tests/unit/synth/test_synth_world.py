"""End-to-end checks of a small generated world: determinism, validity and ground truth."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fraudgraph.nlp.checksums import is_resident_id, luhn_valid
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.ring import BENIGN_PATTERNS, FRAUD_PATTERNS
from fraudgraph.synth.world_config import WorldConfig
from fraudgraph.synth.world_generator import generate_world

CONFIG = WorldConfig(
    applications=1500, transactions=15_000, seed=11, start=date(2025, 1, 1), days=120
)
FILES = [
    "manifest.json",
    "customers.jsonl",
    "applications.jsonl",
    "accounts.jsonl",
    "transactions.jsonl",
    "truth/labels.jsonl",
    "truth/rings.jsonl",
    "truth/benign_groups.jsonl",
    "truth/identity.jsonl",
    "truth/annotations.jsonl",
]
KINDS_IN_TEXT = (
    *("PERSON", "ORGANIZATION", "ADDRESS", "PHONE", "EMAIL", "ID_NUMBER"),
    *("BANK_CARD", "DEVICE", "IP", "AMOUNT", "DATE"),
)
E164 = re.compile(r"^\+[1-9]\d{7,14}$")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_world(out, CONFIG)
    return out


@functools.cache
def rows(world: Path, name: str) -> list[dict[str, Any]]:
    """Parsed lines of a world file (cached: the world fixture is read-only)."""
    with (world / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_same_seed_gives_identical_bytes(world: Path, tmp_path: Path) -> None:
    generate_world(tmp_path, CONFIG)
    for name in FILES:
        assert (world / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_gives_another_world(tmp_path: Path) -> None:
    for seed in (11, 12):
        generate_world(
            tmp_path / str(seed), WorldConfig(applications=150, transactions=1500, seed=seed)
        )
    first, second = ((tmp_path / s / "applications.jsonl").read_bytes() for s in ("11", "12"))
    assert first != second


def test_manifest_counts_match_files(world: Path) -> None:
    manifest = json.loads((world / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "fraudgraph-synth/1"
    assert manifest["seed"] == CONFIG.seed
    assert manifest["start"] == "2025-01-01T00:00:00+08:00"
    assert manifest["end"] == "2025-05-01T00:00:00+08:00"
    counts = manifest["counts"]
    assert counts["applications"] == CONFIG.applications == len(rows(world, "applications.jsonl"))
    assert (
        counts["transactions"]
        == CONFIG.total_transactions
        == len(rows(world, "transactions.jsonl"))
    )
    assert counts["customers"] == len(rows(world, "customers.jsonl"))
    assert counts["accounts"] == len(rows(world, "accounts.jsonl"))
    assert counts["rings"] == len(rows(world, "truth/rings.jsonl"))


def test_customer_identifiers_are_valid(world: Path) -> None:
    codes = {r.code for r in Catalog.load().regions}
    customers = rows(world, "customers.jsonl")
    for customer in customers:
        assert is_resident_id(customer["id_number"]), customer
        assert customer["id_number"][:6] in codes
        assert E164.match(customer["phone"]), customer
        assert customer["email"] == customer["email"].lower()
        assert "@" in customer["email"]
    languages = Counter(c["language"] for c in customers)
    assert 0.75 < languages["zh"] / len(customers) < 0.95


def test_card_numbers_are_luhn_valid_with_real_prefixes(world: Path) -> None:
    cards = [a["card_number"] for a in rows(world, "accounts.jsonl") if a["card_number"]]
    assert len(cards) > 100
    for card in cards:
        assert luhn_valid(card)
        assert len(card) == 16
        assert card[:2] == "62" or card[0] in "45"


def test_device_ids_are_well_formed(world: Path) -> None:
    for app in rows(world, "applications.jsonl"):
        device = app["device_id"]
        if device.isdigit():
            assert len(device) == 15
            assert luhn_valid(device)
        elif device:
            assert device.startswith("web-") or re.fullmatch(r"[0-9A-F-]{36}", device)


def test_applications_are_messy_but_resolve_to_the_customer(world: Path) -> None:
    customers = {c["customer_id"]: c for c in rows(world, "customers.jsonl")}
    apps = rows(world, "applications.jsonl")
    messy_ids = 0
    for app in apps:
        written = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", app["id_number"])).upper()
        assert written == customers[app["customer_id"]]["id_number"]
        messy_ids += written != app["id_number"]
        assert app["created_at"].endswith("+08:00")
        assert app["product"] in ("loan", "card")
    assert messy_ids > 0
    assert any(not re.fullmatch(r"1\d{10}", a["phone"]) for a in apps)
    assert any(re.search("[０-９]", a["phone"] + a["id_number"]) for a in apps)


def test_every_node_is_labelled_once(world: Path) -> None:
    labels = rows(world, "truth/labels.jsonl")
    keys = Counter((label["node_type"], label["id"]) for label in labels)
    assert max(keys.values()) == 1
    expected = {("customer", c["customer_id"]) for c in rows(world, "customers.jsonl")}
    expected |= {("application", a["application_id"]) for a in rows(world, "applications.jsonl")}
    expected |= {("account", a["account_id"]) for a in rows(world, "accounts.jsonl")}
    assert set(keys) == expected


def test_every_ring_is_labelled_and_every_fraud_label_has_its_ring(world: Path) -> None:
    rings = rows(world, "truth/rings.jsonl")
    labels = {(x["node_type"], x["id"]): x for x in rows(world, "truth/labels.jsonl")}
    assert {r["pattern"] for r in rings} == set(FRAUD_PATTERNS)
    members = set()
    for ring in rings:
        assert ring["members"]
        assert ring["start"] <= ring["end"]
        for member in ring["members"]:
            label = labels[(member["node_type"], member["id"])]
            assert label["is_fraud"]
            assert label["ring_id"] == ring["ring_id"]
            assert label["pattern"] == ring["pattern"]
            members.add((member["node_type"], member["id"]))
    fraud = {key for key, label in labels.items() if label["is_fraud"]}
    assert fraud == members
    share = len(fraud) / len(labels)
    assert 0.01 < share < 0.2


def test_synthetic_identity_rings_share_identifiers(world: Path) -> None:
    customers = {c["customer_id"]: c for c in rows(world, "customers.jsonl")}
    apps = {a["application_id"]: a for a in rows(world, "applications.jsonl")}
    for ring in rows(world, "truth/rings.jsonl"):
        if ring["pattern"] != "synthetic_identity":
            continue
        kinds = {s["kind"] for s in ring["shared"]}
        assert "ORGANIZATION" in kinds
        ids = [m["id"] for m in ring["members"] if m["node_type"] == "customer"]
        assert 3 <= len(ids) <= 15
        phones = Counter(customers[i]["phone"] for i in ids)
        devices = Counter(
            apps[m["id"]]["device_id"] for m in ring["members"] if m["node_type"] == "application"
        )
        shared = {s["value"] for s in ring["shared"]}
        assert phones.most_common(1)[0][1] >= 2 or devices.most_common(1)[0][1] >= 2
        assert phones.most_common(1)[0][0] in shared or devices.most_common(1)[0][0] in shared
        times = sorted(
            apps[m["id"]]["created_at"] for m in ring["members"] if m["node_type"] == "application"
        )
        assert ring["start"] <= times[0]
        assert times[-1] <= ring["end"]


def test_bursts_come_from_one_device_or_ip_within_hours(world: Path) -> None:
    apps = {a["application_id"]: a for a in rows(world, "applications.jsonl")}
    for ring in rows(world, "truth/rings.jsonl"):
        if ring["pattern"] not in ("device_burst", "ip_burst"):
            continue
        field = "device_id" if ring["pattern"] == "device_burst" else "ip"
        members = [apps[m["id"]] for m in ring["members"] if m["node_type"] == "application"]
        assert len(members) >= 5
        assert len({m[field] for m in members}) == 1
        assert ring["shared"][0]["value"] == members[0][field]


def ring_transactions(
    world: Path, pattern: str
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    txs = rows(world, "transactions.jsonl")
    result = []
    for ring in rows(world, "truth/rings.jsonl"):
        if ring["pattern"] != pattern:
            continue
        accounts = {m["id"] for m in ring["members"] if m["node_type"] == "account"}
        inside = [
            t for t in txs if t["payer_account"] in accounts and t["payee_account"] in accounts
        ]
        result.append((ring, inside))
    return result


def test_aml_typologies_stay_under_reporting_thresholds(world: Path) -> None:
    for pattern in ("fan_in", "fan_out", "cycle", "scatter_gather", "gather_scatter"):
        found = ring_transactions(world, pattern)
        assert found, pattern
        for _, inside in found:
            # Ring accounts also trade normally (camouflage); the planted transfers are the
            # large ones, and none of them reaches the threshold.
            large = [t for t in inside if t["amount"] > 0.85 * threshold(t["currency"])]
            assert len(large) >= 3
            assert all(t["amount"] < threshold(t["currency"]) for t in large)


def threshold(currency: str) -> int:
    return 10_000 if currency == "USD" else 50_000


def test_fan_in_converges_on_one_hub_and_cycle_closes(world: Path) -> None:
    for _, inside in ring_transactions(world, "fan_in"):
        large = [t for t in inside if t["amount"] > 0.85 * threshold(t["currency"])]
        assert len({t["payee_account"] for t in large}) == 1
        assert len({t["payer_account"] for t in large}) == len(large)
    for _, inside in ring_transactions(world, "cycle"):
        inside = [t for t in inside if t["amount"] > 0.5 * threshold(t["currency"])]
        out_degree = Counter(t["payer_account"] for t in inside)
        in_degree = Counter(t["payee_account"] for t in inside)
        assert out_degree == in_degree  # every account passes on what it receives


def test_mules_forward_quickly(world: Path) -> None:
    from datetime import datetime

    txs = rows(world, "transactions.jsonl")
    for ring in rows(world, "truth/rings.jsonl"):
        if ring["pattern"] != "mule_network":
            continue
        accounts = {m["id"] for m in ring["members"] if m["node_type"] == "account"}
        received: dict[str, list[datetime]] = defaultdict(list)
        forwarded: dict[str, list[datetime]] = defaultdict(list)
        for tx in txs:
            moment = datetime.fromisoformat(tx["timestamp"])
            if tx["payee_account"] in accounts and tx["payer_account"] not in accounts:
                received[tx["payee_account"]].append(moment)
            elif tx["payer_account"] in accounts and tx["payee_account"] in accounts:
                forwarded[tx["payer_account"]].append(moment)
        assert received
        for mule, times in received.items():
            assert len(forwarded[mule]) >= len(times)
            first_out = min(forwarded[mule])
            assert (first_out - min(times)).total_seconds() <= 3 * 3600 + 1


def test_every_planted_mule_receives_money(world: Path) -> None:
    # A member without a single transaction has no footprint: ground truth no detector can meet.
    paid = {tx["payee_account"] for tx in rows(world, "transactions.jsonl")}
    customers = {c["customer_id"]: c for c in rows(world, "customers.jsonl")}
    owner = {a["account_id"]: a["customer_id"] for a in rows(world, "accounts.jsonl")}
    for ring in rows(world, "truth/rings.jsonl"):
        if ring["pattern"] == "mule_network":
            mules = [m["id"] for m in ring["members"] if m["node_type"] == "account"]
            mules = [a for a in mules if owner.get(a) in customers]
            assert mules
            assert all(a in paid for a in mules)


def test_bust_out_cards_spike_then_go_silent(world: Path) -> None:
    txs = rows(world, "transactions.jsonl")
    for ring in rows(world, "truth/rings.jsonl"):
        if ring["pattern"] != "bust_out":
            continue
        for card in (m["id"] for m in ring["members"] if m["node_type"] == "account"):
            spending = [t for t in txs if t["payer_account"] == card]
            spree = [t for t in spending if ring["start"] <= t["timestamp"] <= ring["end"]]
            before = [t for t in spending if t["timestamp"] < ring["start"]]
            after = [t for t in spending if t["timestamp"] > ring["end"]]
            assert len(spree) >= 8
            assert not after
            assert sum(t["amount"] for t in spree) > 5 * max([t["amount"] for t in before] or [0])


def test_benign_groups_are_present_and_not_fraud(world: Path) -> None:
    groups = rows(world, "truth/benign_groups.jsonl")
    assert {g["pattern"] for g in groups} == set(BENIGN_PATTERNS)
    labels = {(x["node_type"], x["id"]): x["is_fraud"] for x in rows(world, "truth/labels.jsonl")}
    members = [(m["node_type"], m["id"]) for g in groups for m in g["members"]]
    assert sum(labels[m] for m in members) / len(members) < 0.05
    customers = {c["customer_id"]: c for c in rows(world, "customers.jsonl")}
    for group in groups:
        assert len(group["members"]) >= 2
        assert group["shared"]
        if group["pattern"] == "family":
            family = [customers[m["id"]] for m in group["members"]]
            assert len({c["address"] for c in family}) == 1
            assert 2 <= len(family) <= 5
    biggest = max(len(g["members"]) for g in groups if g["pattern"] == "large_employer")
    assert biggest >= 20


def test_annotations_point_at_their_entities(world: Path) -> None:
    apps = {a["application_id"]: a for a in rows(world, "applications.jsonl")}
    memos = {t["transaction_id"]: t["memo"] for t in rows(world, "transactions.jsonl")}
    annotations = rows(world, "truth/annotations.jsonl")
    labels_seen: Counter[str] = Counter()
    for note in annotations:
        source = (
            memos[note["source_id"]]
            if note["field"] == "memo"
            else apps[note["source_id"]][note["field"]]
        )
        assert source == note["text"]
        for entity in note["entities"]:
            span = note["text"][entity["start"] : entity["end"]]
            assert span.strip() == span
            assert span
            labels_seen[entity["label"]] += 1
            check_entity(entity["label"], span, entity["canonical"])
    for label in (
        "PERSON",
        "ORGANIZATION",
        "ADDRESS",
        "PHONE",
        "EMAIL",
        "BANK_CARD",
        "AMOUNT",
        "DATE",
    ):
        assert labels_seen[label] > 0, label


def check_entity(label: str, span: str, canonical: str) -> None:
    plain = unicodedata.normalize("NFKC", span)
    if label == "PHONE":
        assert E164.match(canonical)
        assert re.sub(r"\D", "", plain).endswith(canonical[-7:])
    elif label == "BANK_CARD":
        assert luhn_valid(canonical)
        assert re.sub(r"\D", "", plain) == canonical
    elif label == "ID_NUMBER":
        assert is_resident_id(canonical)
        assert re.sub(r"[\s-]", "", plain).upper() == canonical
    elif label == "IP":
        assert plain == canonical
        assert all(0 <= int(part) <= 255 for part in canonical.split("."))
    elif label == "DEVICE":
        assert plain == canonical
    elif label == "EMAIL":
        assert plain.lower() == canonical
    elif label == "AMOUNT":
        assert re.fullmatch(r"\d+\.\d\d (CNY|USD)", canonical)
    elif label == "DATE":
        assert date.fromisoformat(canonical).year == int(re.search(r"\d{4}", plain).group())  # type: ignore[union-attr]


def test_transactions_are_ordered_and_reference_open_accounts(world: Path) -> None:
    accounts = {a["account_id"]: a for a in rows(world, "accounts.jsonl")}
    last = ""
    currencies: Counter[str] = Counter()
    for tx in rows(world, "transactions.jsonl"):
        assert tx["timestamp"] >= last
        last = tx["timestamp"]
        assert tx["payer_account"] != tx["payee_account"]
        for side in ("payer_account", "payee_account"):
            opened = accounts[tx[side]]["opened_at"]
            assert opened is None or opened <= tx["timestamp"]
        assert tx["amount"] > 0
        currencies[tx["currency"]] += 1
    assert currencies["USD"] > 0
    assert currencies["CNY"] > 0.9 * sum(currencies.values())


def test_identity_truth_links_repeat_applicants(world: Path) -> None:
    apps = {a["application_id"]: a for a in rows(world, "applications.jsonl")}
    identity = rows(world, "truth/identity.jsonl")
    assert {i["application_id"] for i in identity} == set(apps)
    by_person: dict[str, set[str]] = defaultdict(set)
    for link in identity:
        by_person[link["person_id"]].add(apps[link["application_id"]]["customer_id"])
    # Some repeat applicants were filed under a second customer record: ER must merge them.
    assert any(len(customers) > 1 for customers in by_person.values())
