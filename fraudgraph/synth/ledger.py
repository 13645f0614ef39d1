"""Writes the transactions day by day: background traffic plus the planted flows, by time.

Only one day of background transactions exists in memory at a time, so memory stays flat
however many transactions are asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudgraph.synth.account_book import DAY, AccountBook
from fraudgraph.synth.annotated_text import AnnotatedText
from fraudgraph.synth.application_writer import HOURLY
from fraudgraph.synth.blueprint import Blueprint
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.flow_planner import Flow
from fraudgraph.synth.identifiers import ipv4
from fraudgraph.synth.jsonl_sink import ENCODER, JsonlSink
from fraudgraph.synth.messy_writer import MessyWriter
from fraudgraph.synth.narrator import Narrator, Slots
from fraudgraph.synth.population import Population

IntArray = npt.NDArray[np.int64]
TX_TYPES = ("purchase", "p2p", "salary", "rent", "utility", "card", "inbound")
TX_SHARES = np.array([0.45, 0.22, 0.08, 0.06, 0.09, 0.05, 0.05])
_CHANNELS = {
    "purchase": (("pos", 0.55), ("online", 0.30), ("mobile", 0.15)),
    "p2p": (("mobile", 0.7), ("online", 0.2), ("counter", 0.1)),
    "family": (("mobile", 0.8), ("online", 0.2)),
    "salary": (("batch", 1.0),),
    "rent": (("mobile", 0.8), ("online", 0.2)),
    "utility": (("auto", 0.6), ("mobile", 0.4)),
    "card": (("auto", 0.5), ("mobile", 0.5)),
    "inbound": (("interbank", 1.0),),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Ledger:
    """Background transaction generator and the transactions.jsonl writer."""

    def __init__(
        self,
        population: Population,
        accounts: AccountBook,
        blueprint: Blueprint,
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
        self._narrator = Narrator(catalog, self._prng)
        real = np.arange(blueprint.real_persons)
        laundering = np.arange(blueprint.aml_start, blueprint.total_persons)
        self._payers = np.concatenate([real, laundering])  # established, active accounts
        self._employed = self._payers[population.employer[self._payers] >= 0]
        self._credit_people = accounts.credit_owner
        self._day_prefix: dict[int, str] = {}

    def write(
        self,
        flows: list[Flow],
        background: int,
        transactions: JsonlSink,
        annotations: JsonlSink,
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Write ``background`` generated transactions merged with ``flows``; return the total.

        ``progress(day, days)`` is called about ten times along the way.
        """
        days = max(1, self._seconds // DAY)
        weekday = np.array([(self._start + timedelta(days=d)).weekday() for d in range(days)])
        weights = np.where(weekday >= 5, 0.85, 1.0)
        per_day = self._rng.multinomial(background, weights / weights.sum())
        planted = 0
        for day in range(days):
            rows = self._background(day, int(per_day[day]))
            while planted < len(flows) and (flows[planted][0] < (day + 1) * DAY or day == days - 1):
                flows_row = flows[planted]
                rows.append((*flows_row[:8], flows_row[8]))
                planted += 1
            rows.sort(key=lambda r: (r[0], r[1], r[2]))
            for row in rows:
                self._emit(row, transactions, annotations)
            if progress is not None and (day + 1) % max(1, days // 10) == 0:
                progress(day + 1, days)
        return transactions.count

    # --- background -----------------------------------------------------------------------

    def _background(self, day: int, count: int) -> list[Flow]:
        rng = self._rng
        kinds = rng.choice(len(TX_TYPES), count, p=TX_SHARES)
        hours = rng.choice(24, count, p=HOURLY / HOURLY.sum())
        times = day * DAY + hours * 3600 + rng.integers(0, 3600, count)
        rows: list[Flow] = []
        for code, name in enumerate(TX_TYPES):
            mask = kinds == code
            n = int(mask.sum())
            if n:
                rows.extend(self._typed(name, times[mask], day))
        return rows

    def _typed(self, kind: str, times: IntArray, day: int) -> list[Flow]:
        payer, payee, amount, memo = getattr(self, f"_{kind}")(len(times))
        accounts = self._accounts
        closed_payer = accounts.closed_day[payer] < day
        payer = np.where(closed_payer, accounts.owner[payer], payer)  # defaulted card: use debit
        closed_payee = accounts.closed_day[payee] < day
        payee = np.where(closed_payee, accounts.offset["utility"], payee)
        usd = (self._rng.random(len(times)) < 0.02) & (memo == "purchase")
        amount = np.where(usd, np.round(amount / 7.1, 2), amount)
        rows: list[Flow] = []
        for i in range(len(times)):
            group = "utility" if closed_payee[i] else str(memo[i])
            channel, device, ip = self._access(int(payer[i]), group)
            currency = "USD" if usd[i] else "CNY"
            rows.append(
                (
                    int(times[i]),
                    int(payer[i]),
                    int(payee[i]),
                    float(amount[i]),
                    currency,
                    channel,
                    device,
                    ip,
                    group,
                )
            )
        return rows

    def _pick(self, pool: IntArray, count: int) -> IntArray:
        return pool[self._rng.integers(0, len(pool), count)]

    def _purchase(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        rng, accounts = self._rng, self._accounts
        person = self._pick(self._payers, count)
        credit = accounts.person_credit[person]
        payer = np.where((credit >= 0) & (rng.random(count) < 0.4), credit, person)
        n_merchants = accounts.sizes["merchant"]
        merchant = (n_merchants * rng.random(count) ** 2).astype(np.int64)  # popular shops first
        amount = np.round(rng.lognormal(np.log(80), 1.0, count), 2)
        return payer, accounts.offset["merchant"] + merchant, amount, np.full(count, "purchase")

    def _p2p(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        rng, pop = self._rng, self._pop
        payer = self._pick(self._payers, count)
        size = pop.household_size[payer].astype(np.int64)
        relative = pop.household[payer] + (rng.random(count) * size).astype(np.int64)
        family = (size >= 2) & (relative != payer) & (rng.random(count) < 0.35)
        payee = np.where(family, relative, self._pick(self._payers, count))
        payee = np.where(payee == payer, self._pick(self._payers, count), payee)
        raw = rng.lognormal(np.log(500), 1.2, count)
        amount = np.where(rng.random(count) < 0.7, np.round(raw, -1), np.round(raw, 2))
        return payer, payee, np.maximum(amount, 1.0), np.where(family, "family", "p2p")

    def _salary(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        payee = self._pick(self._employed, count)
        payer = self._accounts.offset["corporate"] + self._pop.employer[payee]
        amount = np.round(self._pop.income[payee] * self._rng.uniform(0.9, 1.1, count), 2)
        return payer, payee, amount, np.full(count, "salary")

    def _rent(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        accounts = self._accounts
        payer = self._pick(self._payers, count)
        landlord = (
            accounts.offset["landlord"] + (payer * 2_654_435_761) % accounts.sizes["landlord"]
        )
        amount = np.maximum(800.0, np.round(self._pop.income[payer] * 0.3, -2))
        return payer, landlord, amount, np.full(count, "rent")

    def _utility(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        accounts = self._accounts
        payer = self._pick(self._payers, count)
        payee = accounts.offset["utility"] + self._rng.integers(0, accounts.sizes["utility"], count)
        amount = np.round(self._rng.lognormal(np.log(120), 0.6, count), 2)
        return payer, payee, amount, np.full(count, "utility")

    def _card(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        person = self._pick(self._credit_people, count)
        amount = np.round(self._rng.lognormal(np.log(3000), 1.0, count), 2)
        return person, self._accounts.person_credit[person], amount, np.full(count, "card")

    def _inbound(
        self, count: int
    ) -> tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.str_]]:
        accounts = self._accounts
        payer = accounts.offset["individual"] + self._rng.integers(
            0, accounts.sizes["individual"], count
        )
        payee = self._pick(self._payers, count)
        amount = np.round(self._rng.lognormal(np.log(2000), 1.0, count), -1)
        return payer, payee, np.maximum(amount, 10.0), np.full(count, "inbound")

    def _access(self, payer: int, group: str) -> tuple[str, str, str]:
        """(channel, device, ip) of a background transaction, from its payer's habits."""
        prng = self._prng
        roll, channel = prng.random(), ""
        for name, share in _CHANNELS[group]:
            channel = name
            if roll < share:
                break
            roll -= share
        owner = int(self._accounts.owner[payer])
        if channel not in ("mobile", "online") or owner < 0:
            return channel, "", ""
        device = self._pop.device(owner, web=channel == "online")
        if prng.random() < 0.7:
            return channel, device, self._pop.ip(owner)
        prefix = int(prng.choice(self._catalog.network["mobile_ip_prefixes"]))
        return channel, device, ipv4(prefix << 24 | prng.randrange(1 << 8, 1 << 24))

    # --- writing ----------------------------------------------------------------------------

    def _emit(self, row: Flow, transactions: JsonlSink, annotations: JsonlSink) -> None:
        t, payer, payee, amount, currency, channel, device, ip, group = row
        tx_id = f"T{transactions.count:010d}"
        language = self._language(payer, payee)
        memo = self._memo(group, payer, payee, t, language)
        memo_text = memo.text if memo else ""
        # Built by hand rather than json.dumps: this is the hottest line of the generator and
        # every field but the memo is plain ASCII with no characters to escape.
        transactions.write_line(
            f'{{"transaction_id":"{tx_id}","payer_account":"ACC{payer:09d}",'
            f'"payee_account":"ACC{payee:09d}","amount":{amount!r},"currency":"{currency}",'
            f'"timestamp":"{self._timestamp(t)}","channel":"{channel}","device_id":"{device}",'
            f'"ip":"{ip}","memo":{ENCODER.encode(memo_text)}}}'
        )
        if memo is not None and memo_text:
            record: dict[str, Any] = {
                "source_id": tx_id,
                "field": "memo",
                "language": language,
                "text": memo_text,
                "entities": memo.entities,
            }
            annotations.write(record)

    def _timestamp(self, t: int) -> str:
        """ISO 8601 with +08:00 of a second offset (same text as datetime.isoformat)."""
        day, second = divmod(t, DAY)
        prefix = self._day_prefix.get(day)
        if prefix is None:
            prefix = (self._start + timedelta(days=day)).date().isoformat()
            self._day_prefix = {day: prefix}  # one day at a time: keep the cache tiny
        hour, rest = divmod(second, 3600)
        minute, sec = divmod(rest, 60)
        return f"{prefix}T{hour:02d}:{minute:02d}:{sec:02d}+08:00"

    def _language(self, payer: int, payee: int) -> str:
        owner = int(self._accounts.owner[payer])
        if owner < 0:
            owner = int(self._accounts.owner[payee])
        return self._pop.language(owner) if owner >= 0 else "zh"

    def _memo(
        self, group: str, payer: int, payee: int, t: int, language: str
    ) -> AnnotatedText | None:
        prng = self._prng
        if not group or prng.random() < _EMPTY_MEMO.get(group, 0.3):
            return None
        moment = self._start + timedelta(seconds=t)
        slots = self._memo_slots(group, payer, payee, moment, language)
        template = {"inbound": "p2p"}.get(group, group)
        return self._narrator.render(language, f"memo_{template}", slots)

    def _memo_slots(
        self, group: str, payer: int, payee: int, moment: datetime, language: str
    ) -> Slots:
        pop, accounts, orgs = self._pop, self._accounts, self._pop.orgs
        month = _MONTHS_EN[moment.month - 1] if language == "en" else f"{moment.month}月"
        slots: Slots = {"MONTH": (month, "")}
        payee_owner = int(accounts.owner[payee])
        if payee_owner >= 0:
            name = pop.name(payee_owner)
            slots["PAYEE"] = (
                self._messy.spaced_name(name) if not pop.lang[payee_owner] else name,
                name,
            )
        if group == "rent":
            name, script = accounts.landlord_name(payee)
            written = name
            if script == "en" and self._prng.random() < 0.4:
                given, surname = name.split(" ", 1)
                written = f"{given[0]}. {surname}"  # "rent to J. Smith"
            slots["PAYEE"] = (written, name)
        elif group == "purchase":
            merchant = orgs.merchant_name(payee - accounts.offset["merchant"], language)
            slots["MERCHANT"] = (merchant, merchant)
        elif group == "salary":
            employer = payer - accounts.offset["corporate"]
            slots["PAYER_ORG"] = (
                orgs.written_name(employer, language, self._prng),
                orgs.name(employer, language),
            )
        elif group == "utility":
            utility = self._catalog.utilities[payee - accounts.offset["utility"]]
            slots["UTILITY"] = (utility[language], utility[language])
            slots["UTIL_MEMO"] = (utility[f"memo_{language}"], "")
        elif group == "card":
            card = accounts.card_number(payee)
            slots["CARD"] = (self._messy.card(card), card)
            slots["LAST4"] = (card[-4:], "")
        return slots


# Share of transactions of each kind that carry no memo at all.
_EMPTY_MEMO = {
    "purchase": 0.5,
    "p2p": 0.3,
    "family": 0.3,
    "inbound": 0.6,
    "victim": 0.3,
    "launder": 0.3,
    "salary": 0.1,
    "rent": 0.2,
    "utility": 0.2,
    "card": 0.3,
}
