"""Plants the application-side fraud: synthetic-identity rings and device / IP bursts.

Identities of a synthetic-identity ring are made by one organiser: they share phones, devices,
addresses and a shell employer, carry names that differ by a homophone, and apply within days of
each other. Bursts are many applications from one device (an emulator) or one proxy IP within
hours, each under a different bought identity.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from fraudgraph.synth.account_book import DAY
from fraudgraph.synth.blueprint import Blueprint
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.identifiers import device_id, ipv4
from fraudgraph.synth.population import Population
from fraudgraph.synth.ring import PATTERN_CODE, Ring
from fraudgraph.types import EntityKind

HOUR = 3_600


@dataclass(frozen=True, slots=True)
class PlannedApplication:
    """A fraudulent application fixed in advance (who, when, from which device and IP)."""

    time: int  # seconds since the world start
    person: int
    channel: str
    device: str
    ip: str
    referrer: tuple[str, str] | None = None  # (name, E.164 phone) mentioned in the remarks
    alt_phone: str = ""
    income_factor: float = 1.0


class IdentityFraudPlanner:
    """Turns the blueprint's identity-fraud sizes into persons, rings and planned applications."""

    def __init__(
        self,
        population: Population,
        catalog: Catalog,
        blueprint: Blueprint,
        window: tuple[datetime, int],
        rngs: tuple[np.random.Generator, random.Random],
    ) -> None:
        self._pop = population
        self._catalog = catalog
        self._blueprint = blueprint
        self._start, self._seconds = window
        self._rng, self._prng = rngs
        self.applications: list[PlannedApplication] = []

    def plan(self, rings: list[Ring]) -> list[PlannedApplication]:
        """Create the rings (appended to ``rings``); return the planned applications by time."""
        person = self._blueprint.sid_start
        for apps_per_identity in self._blueprint.sid_rings:
            ring = self._new_ring(rings, "synthetic_identity")
            members = list(range(person, person + len(apps_per_identity)))
            self._synthetic_ring(ring, len(rings) - 1, members, apps_per_identity)
            person += len(members)
        for size in self._blueprint.device_bursts:
            ring = self._new_ring(rings, "device_burst")
            self._burst(ring, len(rings) - 1, list(range(person, person + size)), by_device=True)
            person += size
        for size in self._blueprint.ip_bursts:
            ring = self._new_ring(rings, "ip_burst")
            self._burst(ring, len(rings) - 1, list(range(person, person + size)), by_device=False)
            person += size
        self.applications.sort(key=lambda a: (a.time, a.person))
        return self.applications

    def _new_ring(self, rings: list[Ring], pattern: str) -> Ring:
        ring = Ring(f"R{len(rings):05d}", pattern)
        rings.append(ring)
        return ring

    def _label(self, ring: Ring, ring_index: int, members: list[int]) -> None:
        pop = self._pop
        for m in members:
            pop.pattern[m] = PATTERN_CODE[ring.pattern]
            pop.ring[m] = ring_index
            ring.add_member("customer", f"C{m:08d}")

    # --- synthetic identities -------------------------------------------------------------------

    def _synthetic_ring(
        self, ring: Ring, ring_index: int, members: list[int], apps: tuple[int, ...]
    ) -> None:
        pop, prng = self._pop, self._prng
        first = members[0]
        pop.lang[members] = pop.lang[first]
        for j, m in enumerate(members[1:], start=1):
            if prng.random() < 0.6:
                pop.copy_name_variant(m, members[prng.randrange(min(j, 2))], prng)
        if prng.random() < 0.5:
            self._forge_similar_ids(members)
        phones = self._share(members, 1 + (len(members) >= 6), 0.6, (pop.phone_cc, pop.phone_nsn))
        homes = self._share(members, 1 + (len(members) >= 8), 0.8, (pop.home, pop.home_region))
        shell = pop.orgs.shell(ring_index_to_shell(ring_index, self._blueprint))
        for m in members:
            if prng.random() < 0.85:
                pop.employer[m] = shell
            pop.income[m] = round(float(pop.income[m]) * prng.uniform(1.5, 3.0), -2)
        self._label(ring, ring_index, members)
        language = pop.language(first)
        for m in phones:
            ring.share(EntityKind.PHONE.value, pop.phone(m))
        for m in homes:
            ring.share(EntityKind.ADDRESS.value, pop.address(m))
        ring.share(EntityKind.ORGANIZATION.value, pop.orgs.name(shell, language))
        self._synthetic_applications(ring, members, apps, phones)

    def _forge_similar_ids(self, members: list[int]) -> None:
        """Identities minted by one tool: same region code, close birth dates, running numbers."""
        pop, prng = self._pop, self._prng
        first = members[0]
        base = int(pop.id_seq[first]) // 2
        for j, m in enumerate(members[1:], start=1):
            pop.id_region[m] = pop.id_region[first]
            pop.birth[m] = pop.birth[first] + prng.randint(-40, 40)
            pop.id_seq[m] = (base + 7 * j) % 500 * 2 + (pop.gender[m] == 0)

    def _share(
        self, members: list[int], count: int, rate: float, columns: tuple[np.ndarray, ...]
    ) -> list[int]:
        """Copy the columns of the first ``count`` members to others at ``rate``; return sources."""
        sources = members[:count]
        for m in members[count:]:
            if self._prng.random() < rate:
                source = self._prng.choice(sources)
                for column in columns:
                    column[m] = column[source]
        return sources

    def _synthetic_applications(
        self, ring: Ring, members: list[int], apps: tuple[int, ...], phones: list[int]
    ) -> None:
        pop, prng = self._pop, self._prng
        span = int(prng.uniform(1, 14) * DAY)
        t0 = prng.randrange(0, max(1, self._seconds - span))
        devices = members[: prng.randint(1, min(3, len(members)))]
        proxies = [self._proxy_ip() for _ in range(prng.randint(1, 2))]
        referrer = (self._random_name(pop.language(members[0])), pop.phone(phones[0]))
        planned: list[PlannedApplication] = []
        for m, count in zip(members, apps, strict=True):
            for _ in range(count):
                web = prng.random() < 0.2
                source = prng.choice(devices)
                application = PlannedApplication(
                    time=t0 + prng.randrange(span),
                    person=m,
                    channel="web" if web else "app",
                    device=pop.device(source, web=web),
                    ip=prng.choice(proxies) if prng.random() < 0.7 else pop.ip(m),
                    referrer=referrer if prng.random() < 0.5 else None,
                    alt_phone=referrer[1] if prng.random() < 0.3 else "",
                    income_factor=1.0,
                )
                planned.append(application)
        self.applications.extend(planned)
        self._note_applications(ring, planned)
        if any(a.referrer for a in planned):
            ring.share(EntityKind.PERSON.value, referrer[0])

    def _note_applications(self, ring: Ring, planned: list[PlannedApplication]) -> None:
        """Widen the ring's span and record the devices and IPs its applications share."""
        devices = Counter(a.device for a in planned)
        ips = Counter(a.ip for a in planned)
        for application in planned:
            ring.widen(self._start + timedelta(seconds=application.time))
            if devices[application.device] >= 2:
                ring.share(EntityKind.DEVICE.value, application.device)
            if ips[application.ip] >= 2:
                ring.share(EntityKind.IP.value, application.ip)

    # --- bursts -----------------------------------------------------------------------------

    def _burst(self, ring: Ring, ring_index: int, members: list[int], by_device: bool) -> None:
        pop, prng = self._pop, self._prng
        self._label(ring, ring_index, members)
        span = int(prng.uniform(1, 6 if by_device else 12) * HOUR)
        t0 = prng.randrange(0, max(1, self._seconds - span))
        emulator = device_id(0, int(self._rng.integers(0, 2**62)))
        proxy = self._proxy_ip()
        for m in members:
            web = not by_device and prng.random() < 0.5
            application = PlannedApplication(
                time=t0 + prng.randrange(span),
                person=m,
                channel="web" if web else "app",
                device=emulator if by_device else pop.device(m, web=web),
                ip=(self._mobile_ip() if prng.random() < 0.6 else self._proxy_ip())
                if by_device
                else proxy,
                income_factor=prng.uniform(1.0, 2.0),
            )
            self.applications.append(application)
            ring.widen(self._start + timedelta(seconds=application.time))
        ring.share(
            EntityKind.DEVICE.value if by_device else EntityKind.IP.value,
            emulator if by_device else proxy,
        )

    # --- helpers ----------------------------------------------------------------------------

    def _proxy_ip(self) -> str:
        prefix = self._prng.choice(self._catalog.network["proxy_ip_prefixes"])
        return f"{prefix}.{self._prng.randrange(256)}.{self._prng.randrange(1, 255)}"

    def _mobile_ip(self) -> str:
        prefix = int(self._prng.choice(self._catalog.network["mobile_ip_prefixes"]))
        return ipv4(prefix << 24 | self._prng.randrange(1 << 8, 1 << 24))

    def _random_name(self, language: str) -> str:
        cat, prng = self._catalog, self._prng
        surname = prng.randrange(len(cat.surnames))
        given = prng.choice(cat.given_male) + prng.choice(cat.given_male)
        if language == "en":
            return f"{cat.surname_pinyin[surname]} {cat.pinyin(given)}"
        return cat.surnames[surname] + given


def ring_index_to_shell(ring_index: int, blueprint: Blueprint) -> int:
    """Shell companies are numbered by synthetic-identity ring (rings come first)."""
    if ring_index >= len(blueprint.sid_rings):
        raise ValueError("only synthetic-identity rings own shell companies")
    return ring_index
