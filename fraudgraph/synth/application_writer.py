"""Streams the applications in time order: structured fields as typed, free text, ground truth.

Genuine applications come from the real customers (some apply twice; some second applications
were filed under a duplicate customer record, which is what entity resolution must undo); the
planned fraudulent ones are merged in by time.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudgraph.synth.account_book import DAY, AccountBook
from fraudgraph.synth.annotated_text import AnnotatedText
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.identifiers import ipv4
from fraudgraph.synth.identity_fraud_planner import PlannedApplication
from fraudgraph.synth.jsonl_sink import JsonlSink
from fraudgraph.synth.messy_writer import MessyWriter
from fraudgraph.synth.narrator import Narrator, Slots
from fraudgraph.synth.population import HOME_CITY, NOT_EMPLOYED, SELF_EMPLOYED, Population
from fraudgraph.synth.ring import Ring, pattern_name

IntArray = npt.NDArray[np.int64]
_CARD_LIMITS = (5_000, 10_000, 20_000, 30_000, 50_000, 100_000)
_REMARKS = (
    ("remarks_contact", 0.25),
    ("remarks_alt_phone", 0.07),
    ("remarks_referrer", 0.03),
    ("remarks_email", 0.05),
    ("remarks_card", 0.05),
    ("remarks_id", 0.03),
    ("remarks_device", 0.02),
    ("remarks_plain", 0.15),
)
# Hours at which people apply online (weights per hour of day, 0..23).
HOURLY = np.array([1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 8, 8, 8, 7, 7, 8, 9, 9, 6, 3.0])


@dataclass(frozen=True, slots=True)
class Sinks:
    """The files the application stream writes to."""

    applications: JsonlSink
    labels: JsonlSink
    identity: JsonlSink
    annotations: JsonlSink


@dataclass(slots=True)
class BenignUse:
    """Applications that used a public Wi-Fi IP or a company switchboard number."""

    wifi: dict[str, list[str]]
    company_phone: dict[str, list[str]]
    times: dict[str, list[datetime]]


class ApplicationWriter:
    """Decides who applies when, then writes each application and its truth records."""

    def __init__(
        self,
        population: Population,
        accounts: AccountBook,
        catalog: Catalog,
        window: tuple[datetime, int],
        rngs: tuple[np.random.Generator, random.Random],
        messiness: float,
    ) -> None:
        self._pop = population
        self._accounts = accounts
        self._catalog = catalog
        self._start, self._seconds = window
        self._rng, self._prng = rngs
        self._messy = MessyWriter(self._prng, messiness)
        self._messiness = messiness
        self._narrator = Narrator(catalog, self._prng)
        self.benign = BenignUse(defaultdict(list), defaultdict(list), defaultdict(list))
        self._slots: IntArray = np.zeros(0, dtype=np.int64)
        self._times: IntArray = np.zeros(0, dtype=np.int64)
        self._customer: IntArray = np.zeros(0, dtype=np.int64)
        self.duplicate_of: IntArray = np.zeros(0, dtype=np.int64)

    def prepare(
        self, real_persons: int, real_applications: int, duplicate_share: float = 0.25
    ) -> None:
        """Draw who applies when; decide which repeat applications got a duplicate record."""
        rng = self._rng
        extra = rng.integers(0, real_persons, real_applications - real_persons)
        slots = np.concatenate([np.arange(real_persons), extra])
        rng.shuffle(slots)
        days = rng.integers(0, max(1, self._seconds // DAY), real_applications)
        hours = rng.choice(24, real_applications, p=HOURLY / HOURLY.sum())
        times = np.sort(days * DAY + hours * 3600 + rng.integers(0, 3600, real_applications))
        _, first = np.unique(slots, return_index=True)
        repeat = np.ones(real_applications, dtype=bool)
        repeat[first] = False
        duplicate = repeat & (rng.random(real_applications) < duplicate_share)
        customer = slots.copy()
        customer[duplicate] = self._pop.size + np.arange(int(duplicate.sum()))
        self._slots, self._times, self._customer = slots, times, customer
        self.duplicate_of = slots[duplicate]

    def _stream(
        self, planned: list[PlannedApplication]
    ) -> Iterator[tuple[int, int, int, PlannedApplication | None]]:
        """(time, person, customer index, plan) of every application, by time."""
        j = 0
        for i in range(len(self._slots)):
            t = int(self._times[i])
            while j < len(planned) and planned[j].time <= t:
                yield planned[j].time, planned[j].person, planned[j].person, planned[j]
                j += 1
            yield t, int(self._slots[i]), int(self._customer[i]), None
        for plan in planned[j:]:
            yield plan.time, plan.person, plan.person, plan

    def write(self, planned: list[PlannedApplication], rings: list[Ring], sinks: Sinks) -> int:
        """Write every application; return how many."""
        count = 0
        for t, person, customer, plan in self._stream(planned):
            app_id = f"APP{count:08d}"
            created = self._start + timedelta(seconds=t)
            record, texts = self._record(app_id, created, person, customer, plan)
            sinks.applications.write(record)
            ring = int(self._pop.ring[person])
            pattern = pattern_name(int(self._pop.pattern[person]))
            sinks.labels.write(
                {
                    "node_type": "application",
                    "id": app_id,
                    "is_fraud": pattern is not None,
                    "pattern": pattern,
                    "ring_id": rings[ring].ring_id if ring >= 0 else None,
                }
            )
            if ring >= 0:
                rings[ring].add_member("application", app_id)
                if plan is not None:  # bust-outs span their spending spree, not their applications
                    rings[ring].widen(created)
            sinks.identity.write(self._identity(app_id, person))
            self._annotate(sinks.annotations, app_id, record, texts)
            count += 1
        return count

    def _identity(self, app_id: str, person: int) -> dict[str, str | None]:
        """Entity-resolution truth of one application: its person, address and employer."""
        employer = int(self._pop.employer[person])
        return {
            "application_id": app_id,
            "person_id": f"P{person:08d}",
            "address_id": f"A{int(self._pop.home[person]):08d}",
            "employer_id": f"O{employer:08d}" if employer >= 0 else None,
        }

    # --- one application ----------------------------------------------------------------------

    def _record(
        self,
        app_id: str,
        created: datetime,
        person: int,
        customer: int,
        plan: PlannedApplication | None,
    ) -> tuple[dict[str, Any], dict[str, AnnotatedText | None]]:
        """The applications.jsonl record and the annotated free texts it contains."""
        pop, prng, messy = self._pop, self._prng, self._messy
        language = pop.language(person)
        fraud = plan is not None
        product = "card" if prng.random() < (0.6 if fraud else 0.5) else "loan"
        channel, device, ip = (
            self._access(app_id, created, person)
            if plan is None
            else (plan.channel, plan.device, plan.ip)
        )
        phone = self._structured_phone(app_id, created, person)
        factor = plan.income_factor if plan else 1.0
        amount = self._amount(product, fraud)
        email = pop.email(person)
        texts: dict[str, AnnotatedText | None] = {
            "purpose": self._purpose(language, product, amount, created.date()),
            "employment": self._employment(app_id, created, person, language),
            "remarks": self._remarks(person, language, plan, (device, ip)),
        }
        return {
            "application_id": app_id,
            "customer_id": f"C{customer:08d}",
            "product": product,
            "created_at": created.isoformat(),
            "name": pop.written_name(person, prng, self._messiness * 0.5),
            "id_number": messy.id_number(pop.id_number(person)),
            "phone": messy.phone(phone),
            "email": email.upper() if prng.random() < 0.03 else email,
            "address": pop.addresses.written(
                int(pop.home[person]), language, prng, self._messiness
            ),
            "employer": self._employer_written(person, language),
            "income": float(round(float(pop.income[person]) * factor, -2)),
            "amount": amount,
            "device_id": device,
            "ip": ip,
            "channel": channel,
            "language": language,
            **{field: text.text if text else "" for field, text in texts.items()},
        }, texts

    def _annotate(
        self,
        sink: JsonlSink,
        app_id: str,
        record: dict[str, Any],
        texts: dict[str, AnnotatedText | None],
    ) -> None:
        for field, text in texts.items():
            if text is None or not text.text:
                continue
            sink.write(
                {
                    "source_id": app_id,
                    "field": field,
                    "language": record["language"],
                    "text": text.text,
                    "entities": text.entities,
                }
            )

    def _access(self, app_id: str, created: datetime, person: int) -> tuple[str, str, str]:
        """(channel, device, ip) of a genuine application."""
        pop, prng = self._pop, self._prng
        roll = prng.random()
        if roll < 0.2:
            return "branch", "", ""
        channel = "app" if roll < 0.7 else ("web" if roll < 0.9 else "wechat")
        device = pop.device(person, web=channel == "web")
        where = prng.random()
        if where < 0.04 and pop.addresses.city(int(pop.home[person])) == HOME_CITY:
            spot = prng.choice(self._catalog.network["public_wifi"])
            self.benign.wifi[spot["ip"]].append(app_id)
            self.benign.times[spot["ip"]].append(created)
            return channel, device, spot["ip"]
        if where < 0.65:
            return channel, device, pop.ip(person)
        prefix = int(prng.choice(self._catalog.network["mobile_ip_prefixes"]))
        return channel, device, ipv4(prefix << 24 | prng.randrange(1 << 8, 1 << 24))

    def _structured_phone(self, app_id: str, created: datetime, person: int) -> str:
        """Usually the applicant's mobile; sometimes the employer's switchboard."""
        employer = int(self._pop.employer[person])
        if employer >= 0 and self._prng.random() < 0.03:
            board = self._pop.orgs.switchboard(employer)
            if board and self._pop.ring[person] < 0:
                self._note_company_phone(board, app_id, created)
                return board
        return self._pop.phone(person)

    def _note_company_phone(self, board: str, app_id: str, created: datetime) -> None:
        members = self.benign.company_phone[board]
        if not members or members[-1] != app_id:
            members.append(app_id)
            self.benign.times[board].append(created)

    def _amount(self, product: str, fraud: bool) -> float:
        prng = self._prng
        if product == "card":
            return float(prng.choice(_CARD_LIMITS[2:] if fraud else _CARD_LIMITS))
        value = prng.lognormvariate(np.log(80_000 * (1.5 if fraud else 1.0)), 0.8)
        return float(min(1_000_000, max(5_000, round(value, -3))))

    def _employer_written(self, person: int, language: str) -> str:
        employer = int(self._pop.employer[person])
        if employer in (SELF_EMPLOYED, NOT_EMPLOYED):
            return self._pop.employer_name(person)
        return self._pop.orgs.written_name(employer, language, self._prng)

    # --- free text --------------------------------------------------------------------------

    def _purpose(
        self, language: str, product: str, amount: float, day: date
    ) -> AnnotatedText | None:
        prng = self._prng
        if prng.random() < 0.1:
            return None
        spend = amount if product == "loan" else float(round(amount * prng.uniform(0.1, 0.4), -2))
        future = day + timedelta(days=prng.randint(10, 120))
        slots: Slots = {
            "AMOUNT": self._messy.amount(spend, "CNY", language),
            "DATE": (self._messy.date(future, language), future.isoformat()),
        }
        return self._narrator.render(language, f"purpose_{product}", slots)

    def _employment(
        self, app_id: str, created: datetime, person: int, language: str
    ) -> AnnotatedText | None:
        pop, prng, messy = self._pop, self._prng, self._messy
        if prng.random() < 0.15:
            return None
        employer = int(pop.employer[person])
        income = messy.amount(float(pop.income[person]), "CNY", language)
        if employer == SELF_EMPLOYED:
            return self._narrator.render(language, "employment_self", {"INCOME": income})
        if employer == NOT_EMPLOYED:
            return self._narrator.render(language, "employment_none", {"INCOME": income})
        years = prng.randint(1, 15)
        joined = created.date() - timedelta(days=365 * years + prng.randrange(300))
        office = int(pop.orgs.office[employer])
        title = self._catalog.titles[int(pop.title[person])]
        slots: Slots = {
            "EMPLOYER": self._employer_slot(employer, language),
            "TITLE": (title[1] if language == "en" else title[0], ""),
            "YEARS": (str(years), ""),
            "INCOME": income,
            "DATE": (messy.date(joined, language), joined.isoformat()),
            "WORK_ADDRESS": (
                pop.addresses.written(office, language, prng, self._messiness),
                pop.addresses.canonical(office, language),
            ),
        }
        board = pop.orgs.switchboard(employer)
        if board and prng.random() < 0.25 and pop.ring[person] < 0:
            slots["WORK_PHONE"] = (messy.phone(board), board)
            self._note_company_phone(board, app_id, created)
            return self._narrator.render(language, "employment_phone", slots)
        return self._narrator.render(language, "employment", slots)

    def _employer_slot(self, employer: int, language: str) -> tuple[str, str]:
        orgs = self._pop.orgs
        return orgs.written_name(employer, language, self._prng), orgs.name(employer, language)

    def _remarks(
        self, person: int, language: str, plan: PlannedApplication | None, access: tuple[str, str]
    ) -> AnnotatedText | None:
        prng = self._prng
        group = self._remarks_group(plan)
        if group is None:
            return None
        slots = self._remark_slots(person, language, plan)
        device, ip = access
        if device and ip:
            slots["DEVICE"] = (device, device)
            slots["IP"] = (ip, ip)
        return self._narrator.render(language, group, slots) or (
            self._narrator.render(language, "remarks_plain", slots) if prng.random() < 0.5 else None
        )

    def _remarks_group(self, plan: PlannedApplication | None) -> str | None:
        roll = self._prng.random()
        if plan is not None and plan.referrer is not None:
            return "remarks_referrer"
        if plan is not None and plan.alt_phone:
            return "remarks_alt_phone"
        for group, share in _REMARKS:
            if roll < share:
                return group
            roll -= share
        return None

    def _remark_slots(self, person: int, language: str, plan: PlannedApplication | None) -> Slots:
        pop, messy = self._pop, self._messy
        relations = self._catalog.text["relations"][language]
        contact, contact_phone, relation = self._contact(person, language)
        email = pop.email(person)
        slots: Slots = {
            "CONTACT": (contact, contact),
            "CONTACT_PHONE": (messy.phone(contact_phone), contact_phone),
            "RELATION": (relations[relation], ""),
            "EMAIL": (email, email),
        }
        own = pop.phone(person)
        alt = plan.alt_phone if plan and plan.alt_phone not in ("", own) else self._random_mobile()
        slots["ALT_PHONE"] = (messy.phone(alt), alt)
        if plan is not None and plan.referrer is not None:
            name, phone = plan.referrer
            slots["REFERRER"] = (name, name)
            slots["ALT_PHONE"] = (messy.phone(phone), phone)
        else:
            name = self._random_name(language)
            slots["REFERRER"] = (name, name)
        card = self._accounts.card_number(person)
        if card:
            slots["CARD"] = (messy.card(card), card)
        employer = int(pop.employer[person])
        if employer >= 0:
            slots["EMPLOYER"] = self._employer_slot(employer, language)
        id_number = pop.id_number(person)
        slots["ID_NUMBER"] = (messy.id_number(id_number), id_number)
        return slots

    def _contact(self, person: int, language: str) -> tuple[str, str, int]:
        """(name, E.164 phone, relation index): a family member or a colleague or friend."""
        pop, prng = self._pop, self._prng
        size = int(pop.household_size[person])
        if size >= 2 and prng.random() < 0.6:
            head = int(pop.household[person])
            other = head + prng.randrange(size)
            if other != person:
                return pop.name(other), pop.phone(other), prng.randrange(3)
        return self._random_name(language), self._random_mobile(), prng.choice((3, 4))

    def _random_mobile(self) -> str:
        prefix = self._prng.choice(self._catalog.network["mobile_prefixes"])
        return f"+86{prefix}{self._prng.randrange(10**8):08d}"

    def _random_name(self, language: str) -> str:
        cat, prng = self._catalog, self._prng
        if language == "en" and prng.random() < 0.5:
            return f"{prng.choice(cat.western_given)} {prng.choice(cat.western_surnames)}"
        surname = prng.randrange(len(cat.surnames))
        chars = cat.given_female if prng.random() < 0.5 else cat.given_male
        given = prng.choice(chars) + (prng.choice(chars) if prng.random() < 0.8 else "")
        if language == "en":
            return f"{cat.surname_pinyin[surname]} {cat.pinyin(given)}"
        return cat.surnames[surname] + given
