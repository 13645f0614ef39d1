"""Identity rings: components of shared identifiers, hubs capped, big components split."""

from __future__ import annotations

from fraudgraph.rings.identity_ring_finder import IdentityRingFinder
from tests.unit.rings.rings_builders import DAY, HOUR, T0, snapshot


def test_customers_sharing_a_device_form_one_ring_with_their_records() -> None:
    links = [(f"C{i}", "Device", "dev-1", T0 + i * HOUR) for i in range(4)]
    links += [(f"C{i}", "Phone", f"p{i}", T0) for i in range(4)]  # own phones bind nothing
    links += [("C9", "Device", "dev-9", T0)]
    rings = IdentityRingFinder().find(snapshot(links))
    assert len(rings) == 1
    ring = rings[0]
    assert ring.customers == 4
    assert "Application:A-C0" in ring.members
    assert "Account:AC-C3" in ring.members
    assert [b.key for b in ring.bindings] == ["dev-1"]
    assert ring.pattern == "device_burst"
    assert ring.span_hours == 3.0


def test_a_hub_identifier_glues_nobody_together() -> None:
    links = [(f"C{i}", "IP", "1.1.1.1", T0 + i * DAY) for i in range(40)]
    links += [("C0", "Phone", "p-shared", T0), ("C1", "Phone", "p-shared", T0)]
    rings = IdentityRingFinder(hub_cap=30).find(snapshot(links))
    assert [r.customers for r in rings] == [2]
    assert {b.key for b in rings[0].bindings} == {"p-shared"}


def test_weak_identifiers_have_a_tighter_cap_and_employers_bind_nothing() -> None:
    links = [(f"C{i}", "Address", "addr-1", T0) for i in range(12)]
    links += [(f"E{i}", "Organization", "big-co", T0) for i in range(5)]
    assert IdentityRingFinder(weak_cap=8).find(snapshot(links)) == []
    assert len(IdentityRingFinder(weak_cap=20).find(snapshot(links))) == 1


def test_oversized_component_is_split_into_communities() -> None:
    # Two dense groups of 10 joined by one shared phone: Louvain separates them.
    links = [(f"A{i}", "Device", "dev-a", T0) for i in range(10)]
    links += [(f"A{i}", "Email", "mail-a", T0) for i in range(10)]
    links += [(f"B{i}", "Device", "dev-b", T0) for i in range(10)]
    links += [(f"B{i}", "Email", "mail-b", T0) for i in range(10)]
    links += [("A0", "Phone", "bridge", T0), ("B0", "Phone", "bridge", T0)]
    whole = IdentityRingFinder(max_size=50).find(snapshot(links))
    assert [r.customers for r in whole] == [20]
    split = IdentityRingFinder(max_size=15).find(snapshot(links))
    groups = sorted(sorted(m for m in r.members if m.startswith("Customer:")) for r in split)
    assert len(groups) == 2
    assert all(len({m[9] for m in g}) == 1 for g in groups)  # each all-A or all-B


def test_no_links_no_rings() -> None:
    assert IdentityRingFinder().find(snapshot([])) == []


def test_an_address_does_not_glue_a_household_onto_a_ring() -> None:
    links = [(f"R{i}", "Device", "dev-ring", T0 + i * HOUR) for i in range(4)]
    links += [("R0", "Address", "flat-9", T0), ("F1", "Address", "flat-9", T0 + 90 * DAY)]
    links += [("F2", "Address", "flat-9", T0 + 200 * DAY), ("F3", "Address", "flat-9", T0)]
    rings = IdentityRingFinder().find(snapshot(links))
    groups = sorted(sorted(m for m in r.members if m.startswith("Customer:")) for r in rings)
    assert groups == [
        ["Customer:F1", "Customer:F2", "Customer:F3"],
        ["Customer:R0", "Customer:R1", "Customer:R2", "Customer:R3"],
    ]


def test_an_address_all_its_users_took_within_days_joins_them_to_the_ring() -> None:
    links = [(f"R{i}", "Device", "dev-ring", T0 + i * HOUR) for i in range(3)]
    links += [(c, "Address", "flat-7", T0 + n * DAY) for n, c in enumerate(["R0", "S1", "S2"])]
    rings = IdentityRingFinder().find(snapshot(links))
    assert [r.customers for r in rings] == [5]
    slow = [(c, k, v, at + 60 * DAY if c.startswith("S") else at) for c, k, v, at in links]
    groups = sorted(r.customers for r in IdentityRingFinder().find(snapshot(slow)))
    assert groups == [3]  # S1 and S2 alone: two customers at one address are no ring


def test_two_customers_behind_one_ip_are_no_ring_three_may_be() -> None:
    links = [("C1", "IP", "9.9.9.9", T0), ("C2", "IP", "9.9.9.9", T0 + HOUR)]
    assert IdentityRingFinder().find(snapshot(links)) == []
    links.append(("C3", "IP", "9.9.9.9", T0 + 2 * HOUR))
    assert [r.customers for r in IdentityRingFinder().find(snapshot(links))] == [3]


def test_one_person_registered_twice_is_not_a_ring() -> None:
    links = [
        ("C1", "IdNumber", "500101199001011234", T0),
        ("C2", "IdNumber", "500101199001011234", T0),
    ]
    links += [("C1", "Device", "dev-1", T0), ("C2", "Device", "dev-1", T0 + DAY)]
    assert IdentityRingFinder().find(snapshot(links)) == []
