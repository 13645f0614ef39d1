"""Plants the transaction-side fraud: mule networks, AML typologies and bust-outs.

Every planted transfer is fixed here (a small share of all transactions, so holding them is
cheap); the ledger merges them, day by day, into the background traffic.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from fraudgraph.synth.account_book import DAY, AccountBook
from fraudgraph.synth.blueprint import AmlShape, Blueprint
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.identifiers import device_id
from fraudgraph.synth.population import Population
from fraudgraph.synth.ring import PATTERN_CODE, Ring
from fraudgraph.types import EntityKind

HOUR = 3_600
# (seconds since start, payer, payee, amount, currency, channel, device, ip, memo group)
Flow = tuple[int, int, int, float, str, str, str, str, str]
_CNY_THRESHOLD = 50_000  # large-value reporting threshold the launderers stay under
_USD_THRESHOLD = 10_000


class FlowPlanner:
    """Creates the planted flows and their rings, labelling the accounts and persons involved."""

    def __init__(
        self,
        population: Population,
        accounts: AccountBook,
        blueprint: Blueprint,
        catalog: Catalog,
        window: tuple[datetime, int],
        rngs: tuple[np.random.Generator, random.Random],
    ) -> None:
        self._pop = population
        self._accounts = accounts
        self._blueprint = blueprint
        self._catalog = catalog
        self._start, self._seconds = window
        self._rng, self._prng = rngs
        self._next_external = accounts.offset["fraud_external"]
        self.flows: list[Flow] = []

    def plan(self, rings: list[Ring]) -> list[Flow]:
        """Create all planted flows (rings appended to ``rings``), sorted by time."""
        person = self._blueprint.mule_start
        for mules, victims, collectors in self._blueprint.mule_networks:
            ring = self._new_ring(rings, "mule_network")
            self._mule_network(ring, list(range(person, person + mules)), victims, collectors)
            person += mules
        for shape in self._blueprint.aml:
            ring = self._new_ring(rings, shape.pattern)
            self._aml(ring, shape, list(range(person, person + shape.internal)))
            person += shape.internal
        self._bust_outs(rings)
        self.flows.sort(key=lambda f: (f[0], f[1], f[2]))
        return self.flows

    # --- bookkeeping ------------------------------------------------------------------------

    def _new_ring(self, rings: list[Ring], pattern: str) -> Ring:
        ring = Ring(f"R{len(rings):05d}", pattern)
        rings.append(ring)
        return ring

    def _label_person(self, ring: Ring, ring_index: int, person: int) -> None:
        self._pop.pattern[person] = PATTERN_CODE[ring.pattern]
        self._pop.ring[person] = ring_index
        ring.add_member("customer", f"C{person:08d}")

    def _label_account(self, ring: Ring, ring_index: int, account: int) -> None:
        self._accounts.pattern[account] = PATTERN_CODE[ring.pattern]
        self._accounts.ring[account] = ring_index
        ring.add_member("account", self._accounts.account_id(account))

    def _take_externals(self, count: int) -> list[int]:
        first = self._next_external
        self._next_external += count
        return list(range(first, first + count))

    def _emit(self, ring: Ring, flow: Flow) -> None:
        self.flows.append(flow)
        ring.widen(self._start + timedelta(seconds=flow[0]))

    def _start_time(self, span: int) -> int:
        return self._prng.randrange(DAY, max(DAY + 1, self._seconds - span - DAY))

    def _own_device(self, account: int) -> tuple[str, str]:
        owner = int(self._accounts.owner[account])
        if owner < 0:
            return "", ""
        return self._pop.device(owner), self._pop.ip(owner)

    # --- mule networks ----------------------------------------------------------------------

    def _mule_network(self, ring: Ring, mules: list[int], victims: int, collectors: int) -> None:
        prng, index = self._prng, rings_index(ring)
        span = int(prng.uniform(2, 7) * DAY)
        t0 = self._start_time(span)
        for m in mules:
            self._label_person(ring, index, m)
            self._label_account(ring, index, m)
            self._accounts.opened[m] = t0 - prng.randint(3, 30) * DAY  # freshly opened
        sinks = self._take_externals(collectors)
        for account in sinks:
            self._label_account(ring, index, account)
        controller = device_id(0, int(self._rng.integers(0, 2**62)))
        prefix = prng.choice(self._catalog.network["proxy_ip_prefixes"])
        controller_ip = f"{prefix}.{prng.randrange(256)}.{prng.randrange(1, 255)}"
        ring.share(EntityKind.DEVICE.value, controller)
        ring.share(EntityKind.IP.value, controller_ip)
        pool = self._blueprint.real_persons
        # Every recruited mule is used at least once: a planted member without a single
        # transaction has no footprint in the world and could never be found.
        for n, victim in enumerate(self._rng.choice(pool, min(victims, pool), replace=False)):
            t = t0 + prng.randrange(span)
            mule = mules[n] if n < len(mules) else prng.choice(mules)
            amount = float(
                min(200_000, max(1_000, round(prng.lognormvariate(np.log(20_000), 0.6), -2)))
            )
            device, ip = self._own_device(int(victim))
            self._emit(ring, (t, int(victim), mule, amount, "CNY", "mobile", device, ip, "victim"))
            self._forward(ring, (t, mule, amount), sinks, (controller, controller_ip))

    def _forward(
        self,
        ring: Ring,
        received: tuple[int, int, float],
        sinks: list[int],
        device: tuple[str, str],
    ) -> None:
        """The mule passes the money on within minutes to hours, keeping a small cut."""
        prng = self._prng
        t, mule, amount = received
        kept = amount * prng.uniform(0.90, 0.98)
        parts = 2 if prng.random() < 0.3 else 1
        for part in range(parts):
            t += prng.randrange(10 * 60, 180 * 60)
            value = round(kept / parts, 2)
            memo = "launder" if prng.random() < 0.4 else ""
            self._emit(
                ring, (t, mule, sinks[part % len(sinks)], value, "CNY", "mobile", *device, memo)
            )

    # --- money laundering typologies ----------------------------------------------------------

    def _aml(self, ring: Ring, shape: AmlShape, owners: list[int]) -> None:
        index = rings_index(ring)
        for person in owners:
            self._label_person(ring, index, person)
            self._label_account(ring, index, person)
        externals = self._take_externals(shape.external)
        for account in externals:
            self._label_account(ring, index, account)
        currency = "USD" if self._prng.random() < 0.1 else "CNY"
        accounts = owners + externals
        if shape.pattern == "fan_in":
            self._fan(ring, accounts[0], accounts[1:], currency, inward=True)
        elif shape.pattern == "fan_out":
            self._fan(ring, accounts[0], accounts[1:], currency, inward=False)
        elif shape.pattern == "cycle":
            self._cycle(ring, accounts, currency)
        elif shape.pattern == "scatter_gather":
            self._scatter_gather(ring, accounts, currency)
        else:
            self._gather_scatter(ring, accounts, shape.sizes[0], currency)

    def _under_threshold(self, currency: str) -> float:
        """An amount just under the reporting threshold ("structuring")."""
        limit = _USD_THRESHOLD if currency == "USD" else _CNY_THRESHOLD
        return float(round(limit * self._prng.uniform(0.9, 0.999)))

    def _transfer(
        self, ring: Ring, t: int, payer: int, payee: int, amount: float, currency: str
    ) -> None:
        device, ip = self._own_device(payer)
        channel = self._prng.choice(("online", "mobile")) if device else "interbank"
        memo = "launder" if self._prng.random() < 0.5 else ""
        self._emit(ring, (t, payer, payee, amount, currency, channel, device, ip, memo))

    def _fan(
        self, ring: Ring, hub: int, leaves: Sequence[int], currency: str, inward: bool
    ) -> None:
        span = int(self._prng.uniform(1, 5) * DAY)
        t0 = self._start_time(span)
        ring.share("ACCOUNT", self._accounts.account_id(hub))
        for leaf in leaves:
            payer, payee = (leaf, hub) if inward else (hub, leaf)
            self._transfer(
                ring,
                t0 + self._prng.randrange(span),
                payer,
                payee,
                self._under_threshold(currency),
                currency,
            )

    def _cycle(self, ring: Ring, accounts: Sequence[int], currency: str) -> None:
        prng = self._prng
        rounds = 1 if prng.random() < 0.7 else 2
        t = self._start_time(rounds * len(accounts) * DAY)
        amount = self._under_threshold(currency)
        for hop in range(rounds * len(accounts)):
            payer = accounts[hop % len(accounts)]
            payee = accounts[(hop + 1) % len(accounts)]
            t += prng.randrange(HOUR, 24 * HOUR)
            self._transfer(ring, t, payer, payee, amount, currency)
            amount = float(round(amount * prng.uniform(0.98, 0.995), 2))  # fees skimmed per hop

    def _scatter_gather(self, ring: Ring, accounts: Sequence[int], currency: str) -> None:
        prng = self._prng
        source, sink, middles = accounts[0], accounts[1], accounts[2:]
        t0 = self._start_time(3 * DAY)
        ring.share("ACCOUNT", self._accounts.account_id(source))
        ring.share("ACCOUNT", self._accounts.account_id(sink))
        for middle in middles:
            t = t0 + prng.randrange(DAY)
            amount = self._under_threshold(currency)
            self._transfer(ring, t, source, middle, amount, currency)
            onward = float(round(amount * prng.uniform(0.97, 0.995), 2))
            self._transfer(
                ring, t + prng.randrange(HOUR, 48 * HOUR), middle, sink, onward, currency
            )

    def _gather_scatter(
        self, ring: Ring, accounts: Sequence[int], sources: int, currency: str
    ) -> None:
        prng = self._prng
        hub = accounts[sources]
        span = int(prng.uniform(1, 3) * DAY)
        t0 = self._start_time(span + 3 * DAY)
        ring.share("ACCOUNT", self._accounts.account_id(hub))
        gathered = [t0 + prng.randrange(span) for _ in range(sources)]
        for source, t in zip(accounts[:sources], gathered, strict=True):
            self._transfer(ring, t, source, hub, self._under_threshold(currency), currency)
        for target in accounts[sources + 1 :]:
            t = max(gathered) + prng.randrange(HOUR, 48 * HOUR)
            self._transfer(ring, t, hub, target, self._under_threshold(currency), currency)

    # --- bust-outs --------------------------------------------------------------------------

    def _bust_outs(self, rings: list[Ring]) -> None:
        accounts, prng = self._accounts, self._prng
        total = sum(self._blueprint.bust_outs)
        chosen = self._rng.choice(len(accounts.credit_owner), total, replace=False)
        persons = [int(p) for p in accounts.credit_owner[np.sort(chosen)]]
        merchants = accounts.offset["merchant"] + self._pop.orgs.big_ticket_merchants()
        days = self._seconds // DAY
        for size in self._blueprint.bust_outs:
            ring = self._new_ring(rings, "bust_out")
            index = rings_index(ring)
            colluding = int(prng.choice(list(merchants)))
            ring.share("ACCOUNT", accounts.account_id(colluding))
            bust_day = prng.randint(int(days * 0.5), max(int(days * 0.5), int(days * 0.85)))
            members, persons = persons[:size], persons[size:]
            for person in members:
                credit = int(accounts.person_credit[person])
                self._label_person(ring, index, person)
                self._label_account(ring, index, credit)
                accounts.closed_day[credit] = bust_day + 3  # defaults: the card goes silent
                self._spree(ring, person, credit, (bust_day, colluding), merchants)

    def _spree(
        self, ring: Ring, person: int, credit: int, bust: tuple[int, int], merchants: np.ndarray
    ) -> None:
        prng = self._prng
        bust_day, colluding = bust
        for _ in range(prng.randint(8, 20)):
            t = bust_day * DAY + prng.randrange(3 * DAY)
            payee = colluding if prng.random() < 0.6 else int(prng.choice(list(merchants)))
            online = prng.random() < 0.4
            device, ip = (self._pop.device(person), self._pop.ip(person)) if online else ("", "")
            amount = round(prng.uniform(2_000, 15_000), 2)
            channel = "online" if online else "pos"
            self._emit(ring, (t, credit, payee, amount, "CNY", channel, device, ip, "purchase"))


def rings_index(ring: Ring) -> int:
    """Position of a ring in the world's ring list (its id is R + zero-padded position)."""
    return int(ring.ring_id[1:])
