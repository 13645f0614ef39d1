"""Generates a whole synthetic bank world into a folder (see the package docstring for layout)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import chain
from pathlib import Path

import numpy as np

from fraudgraph.errors import InvalidInputError
from fraudgraph.synth.account_book import DAY, AccountBook
from fraudgraph.synth.address_book import AddressBook
from fraudgraph.synth.application_writer import ApplicationWriter, BenignUse, Sinks
from fraudgraph.synth.blueprint import Blueprint
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.flow_planner import Flow, FlowPlanner
from fraudgraph.synth.identity_fraud_planner import IdentityFraudPlanner, PlannedApplication
from fraudgraph.synth.jsonl_sink import JsonlSink
from fraudgraph.synth.ledger import Ledger
from fraudgraph.synth.organizations import Organizations
from fraudgraph.synth.population import Population, region_probabilities
from fraudgraph.synth.ring import Ring, pattern_name
from fraudgraph.synth.world_config import FORMAT, GENERATOR_VERSION, WorldConfig, WorldSummary
from fraudgraph.types import EntityKind

CHINA_TZ = timezone(timedelta(hours=8))
Progress = Callable[[str], None]
_STREAMS = ("blueprint", "orgs", "population", "identity", "accounts", "flows", "apps", "ledger")


def generate_world(
    out: Path, config: WorldConfig, *, progress: Progress | None = None
) -> WorldSummary:
    """Generate the world described by ``config`` into ``out``; return what was written.

    ``progress``, when given, receives a short line as each stage starts (for the CLI).
    """
    return WorldGenerator(config, progress=progress).run(out)


@dataclass(slots=True)
class _Plan:
    """Everything decided before the first byte is written."""

    blueprint: Blueprint
    population: Population
    families: list[tuple[int, int]]
    rings: list[Ring]
    planned: list[PlannedApplication]
    accounts: AccountBook
    flows: list[Flow]
    applications: ApplicationWriter


class WorldGenerator:
    """Builds the population, plants the fraud, then streams every file to disk."""

    def __init__(
        self, config: WorldConfig, catalog: Catalog | None = None, progress: Progress | None = None
    ) -> None:
        self.config = config
        self.catalog = catalog or Catalog.load()
        self._progress = progress
        seeds = np.random.SeedSequence(config.seed).spawn(len(_STREAMS))
        # Each stage draws from its own stream so that changing one stage leaves others alone.
        self._np = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, seeds, strict=True)}
        self._py = {
            name: random.Random(int(s.generate_state(1)[0]))
            for name, s in zip(_STREAMS, seeds, strict=True)
        }
        self.start = datetime(
            config.start.year, config.start.month, config.start.day, tzinfo=CHINA_TZ
        )
        self.seconds = config.days * DAY

    def _rngs(self, name: str) -> tuple[np.random.Generator, random.Random]:
        return self._np[name], self._py[name]

    def _say(self, message: str) -> None:
        if self._progress is not None:
            self._progress(message)

    def run(self, out: Path) -> WorldSummary:
        """Write all files into ``out`` (created if needed)."""
        began = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        plan = self._plan()
        counts = self._write(out, plan)
        self._write_manifest(out, counts)
        return WorldSummary(out=out, counts=counts, seconds=time.perf_counter() - began)

    def _plan(self) -> _Plan:
        window = (self.start, self.seconds)
        blueprint = Blueprint.plan(self.config, self._np["blueprint"])
        self._say(f"population of {blueprint.total_persons} persons")
        pop = self._population(blueprint)
        families = pop.apply_households(blueprint.real_persons, self._np["population"])
        pop.assign_work(self._np["population"])
        self._say("planting fraud rings")
        rings: list[Ring] = []
        identity = IdentityFraudPlanner(
            pop, self.catalog, blueprint, window, self._rngs("identity")
        )
        planned = identity.plan(rings)
        accounts = AccountBook(pop, pop.orgs, blueprint, self.catalog, self._np["accounts"])
        self._open_fraud_accounts(planned, accounts, rings)
        flow_planner = FlowPlanner(
            pop, accounts, blueprint, self.catalog, window, self._rngs("flows")
        )
        flows = flow_planner.plan(rings)
        if len(flows) > self.config.total_transactions:
            raise InvalidInputError(
                f"too few for the {len(flows)} planted transfers", field="transactions"
            )
        apps = ApplicationWriter(
            pop, accounts, self.catalog, window, self._rngs("apps"), self.config.messiness
        )
        apps.prepare(blueprint.real_persons, blueprint.real_applications)
        return _Plan(blueprint, pop, families, rings, planned, accounts, flows, apps)

    def _write(self, out: Path, plan: _Plan) -> dict[str, int]:
        truth = out / "truth"
        with (
            JsonlSink(truth / "labels.jsonl") as labels,
            JsonlSink(truth / "annotations.jsonl") as annotations,
        ):
            self._say("customers")
            customers = self._write_customers(
                out, plan.population, plan.applications.duplicate_of, plan.rings, labels
            )
            self._say("applications")
            with (
                JsonlSink(out / "applications.jsonl") as app_sink,
                JsonlSink(truth / "identity.jsonl") as identity,
            ):
                sinks = Sinks(app_sink, labels, identity, annotations)
                n_apps = plan.applications.write(plan.planned, plan.rings, sinks)
            self._say("accounts")
            self._write_accounts(out, plan.accounts, plan.rings, labels)
            n_tx = self._write_transactions(out, plan, annotations)
        with JsonlSink(truth / "rings.jsonl") as ring_sink:
            for ring in plan.rings:
                ring_sink.write(ring.to_json())
        self._write_benign(
            truth, plan.population, plan.blueprint, plan.families, plan.applications.benign
        )
        return {
            "customers": customers,
            "applications": n_apps,
            "accounts": plan.accounts.size,
            "transactions": n_tx,
            "rings": len(plan.rings),
        }

    def _write_transactions(self, out: Path, plan: _Plan, annotations: JsonlSink) -> int:
        ledger = Ledger(
            plan.population,
            plan.accounts,
            plan.blueprint,
            self.catalog,
            (self.start, self.seconds),
            self._rngs("ledger"),
            self.config.messiness,
        )
        background = self.config.total_transactions - len(plan.flows)
        with JsonlSink(out / "transactions.jsonl") as sink:

            def report(day: int, days: int) -> None:
                self._say(f"transactions: day {day}/{days}, {sink.count} written")

            return ledger.write(plan.flows, background, sink, annotations, report)

    # --- building ----------------------------------------------------------------------------

    def _population(self, blueprint: Blueprint) -> Population:
        catalog, persons = self.catalog, blueprint.total_persons
        sizes = (max(10, persons // 30), len(blueprint.sid_rings), max(20, persons // 50))
        addresses = AddressBook(
            catalog, persons + len(catalog.large_employers) + sizes[0] + sizes[1]
        )
        orgs = Organizations(
            catalog, addresses, sizes, region_probabilities(catalog), self._np["orgs"]
        )
        return Population(
            catalog,
            addresses,
            orgs,
            persons,
            self.config.start,
            self._np["population"],
            self.config.zh_share,
        )

    def _open_fraud_accounts(
        self, planned: list[PlannedApplication], accounts: AccountBook, rings: list[Ring]
    ) -> None:
        """Identities used to apply get their account a few days after their first application."""
        pop, prng = accounts.population, self._py["accounts"]
        opened: set[int] = set()
        for application in planned:
            person = application.person
            if person in opened:
                continue
            opened.add(person)
            accounts.opened[person] = application.time + prng.randint(1, 5) * DAY
            ring = int(pop.ring[person])
            accounts.pattern[person] = pop.pattern[person]
            accounts.ring[person] = ring
            rings[ring].add_member("account", accounts.account_id(person))

    # --- writing -----------------------------------------------------------------------------

    def _write_customers(
        self,
        out: Path,
        pop: Population,
        duplicate_of: np.ndarray,
        rings: list[Ring],
        labels: JsonlSink,
    ) -> int:
        prng = self._py["population"]
        with JsonlSink(out / "customers.jsonl") as sink:
            for person in range(pop.size):
                self._write_customer(sink, labels, pop, person, person, rings)
            for k, person in enumerate(duplicate_of.tolist()):
                # A second record for the same person, made when the bank failed to match them;
                # the applicant gave a new mobile number that time.
                prefix = prng.choice(self.catalog.network["mobile_prefixes"])
                phone = f"+86{prefix}{prng.randrange(10**8):08d}"
                self._write_customer(sink, labels, pop, pop.size + k, person, rings, phone)
            return sink.count

    def _write_customer(
        self,
        sink: JsonlSink,
        labels: JsonlSink,
        pop: Population,
        customer: int,
        person: int,
        rings: list[Ring],
        phone: str = "",
    ) -> None:
        customer_id = f"C{customer:08d}"
        sink.write(
            {
                "customer_id": customer_id,
                "name": pop.name(person),
                "id_number": pop.id_number(person),
                "phone": phone or pop.phone(person),
                "email": pop.email(person),
                "address": pop.address(person),
                "employer": pop.employer_name(person),
                "language": pop.language(person),
            }
        )
        ring = int(pop.ring[person])
        if ring >= 0 and customer != person:
            rings[ring].add_member("customer", customer_id)
        pattern = pattern_name(int(pop.pattern[person]))
        labels.write(
            {
                "node_type": "customer",
                "id": customer_id,
                "is_fraud": pattern is not None,
                "pattern": pattern,
                "ring_id": rings[ring].ring_id if ring >= 0 else None,
            }
        )

    def _write_accounts(
        self, out: Path, accounts: AccountBook, rings: list[Ring], labels: JsonlSink
    ) -> None:
        with JsonlSink(out / "accounts.jsonl") as sink:
            for index in range(accounts.size):
                record = accounts.record(index, self.start)
                sink.write(record)
                ring = int(accounts.ring[index])
                pattern = pattern_name(int(accounts.pattern[index]))
                labels.write(
                    {
                        "node_type": "account",
                        "id": record["account_id"],
                        "is_fraud": pattern is not None,
                        "pattern": pattern,
                        "ring_id": rings[ring].ring_id if ring >= 0 else None,
                    }
                )

    def _write_benign(
        self,
        truth: Path,
        pop: Population,
        blueprint: Blueprint,
        families: list[tuple[int, int]],
        benign: BenignUse,
    ) -> None:
        groups = chain(
            self._family_groups(pop, families),
            self._employer_groups(pop, blueprint),
            self._usage_groups("public_wifi", EntityKind.IP.value, benign.wifi, benign),
            self._usage_groups(
                "company_phone", EntityKind.PHONE.value, benign.company_phone, benign
            ),
        )
        with JsonlSink(truth / "benign_groups.jsonl") as sink:
            for number, group in enumerate(groups):
                group.ring_id = f"B{number:06d}"
                sink.write(group.to_json())

    def _family_groups(self, pop: Population, families: list[tuple[int, int]]) -> Iterator[Ring]:
        end = self.start + timedelta(seconds=self.seconds)
        for first, size in families:
            family = Ring("", "family", start=self.start, end=end)
            family.members = [("customer", f"C{m:08d}") for m in range(first, first + size)]
            family.share(EntityKind.ADDRESS.value, pop.address(first))
            yield family

    def _employer_groups(self, pop: Population, blueprint: Blueprint) -> Iterator[Ring]:
        end = self.start + timedelta(seconds=self.seconds)
        for employer, large in enumerate(self.catalog.large_employers):
            staff = np.flatnonzero(pop.employer[: blueprint.real_persons] == employer)
            if len(staff) < 2:
                continue
            group = Ring("", "large_employer", start=self.start, end=end)
            group.members = [("customer", f"C{int(m):08d}") for m in staff]
            group.share(EntityKind.ORGANIZATION.value, large.zh)
            group.share(EntityKind.ORGANIZATION.value, large.en)
            yield group

    @staticmethod
    def _usage_groups(
        pattern: str, kind: str, uses: dict[str, list[str]], benign: BenignUse
    ) -> Iterator[Ring]:
        """Applications that used one public IP or one switchboard number (two or more)."""
        for value in sorted(uses):
            if len(uses[value]) < 2:
                continue
            group = Ring("", pattern)
            group.members = [("application", a) for a in uses[value]]
            group.share(kind, value)
            for moment in benign.times[value]:
                group.widen(moment)
            yield group

    def _write_manifest(self, out: Path, counts: dict[str, int]) -> None:
        manifest = {
            "format": FORMAT,
            "seed": self.config.seed,
            "start": self.start.isoformat(),
            "end": (self.start + timedelta(seconds=self.seconds)).isoformat(),
            "counts": counts,
            "generator_version": GENERATOR_VERSION,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        (out / "manifest.json").write_text(text, encoding="utf-8")


__all__ = ["WorldGenerator", "generate_world"]
