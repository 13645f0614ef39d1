"""Every person of the world (real customers and fraudsters' identities) as integer columns.

A million people as Python objects would cost gigabytes; as numpy columns they cost tens of
megabytes, and any person's strings (name, ID number, phone...) are rendered on demand.
"""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import numpy.typing as npt

from fraudgraph.synth.address_book import AddressBook
from fraudgraph.synth.catalog import Catalog
from fraudgraph.synth.identifiers import device_id, ipv4, resident_id
from fraudgraph.synth.organizations import Organizations

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

SELF_EMPLOYED = -1
NOT_EMPLOYED = -2
HOME_CITY = "重庆市"  # the bank is a Chongqing bank: most of its customers live there


def region_probabilities(catalog: Catalog, home_share: float = 0.6) -> FloatArray:
    """Residence distribution over regions: ``home_share`` in Chongqing, the rest spread evenly."""
    home = np.array([r.city == HOME_CITY for r in catalog.regions])
    probs: FloatArray = np.where(home, home_share / home.sum(), (1 - home_share) / (~home).sum())
    return probs


class Population:
    """Columnar table of persons with renderers for their identifiers."""

    def __init__(
        self,
        catalog: Catalog,
        addresses: AddressBook,
        orgs: Organizations,
        size: int,
        start: date,
        rng: np.random.Generator,
        zh_share: float = 0.85,
    ) -> None:
        self._catalog = catalog
        self.addresses = addresses
        self.orgs = orgs
        self.size = size
        self._build_given_pool()
        self.lang = (rng.random(size) >= zh_share).astype(np.int8)  # 0 zh, 1 en
        self.gender = rng.integers(0, 2, size).astype(np.int8)  # 0 male, 1 female
        weights = np.asarray(catalog.surname_weights)
        self.surname = rng.choice(len(weights), size, p=weights / weights.sum()).astype(np.int16)
        self.given = self._draw_given(self.gender, rng)
        self.en_given = self._draw_english_given(rng)
        self._draw_identity(start, rng)
        self._draw_contact(rng)
        self.employer = np.full(size, NOT_EMPLOYED, dtype=np.int64)
        self.title = np.zeros(size, dtype=np.int8)
        self.income = np.zeros(size, dtype=np.float64)
        self.device_kind = (rng.random(size) < 0.3).astype(np.int8)  # 0 Android, 1 iOS
        self.device_seed = rng.integers(0, 2**62, size, dtype=np.int64)
        self.household = np.arange(size, dtype=np.int64)
        self.household_size = np.ones(size, dtype=np.int8)
        self.pattern = np.zeros(size, dtype=np.int8)
        self.ring = np.full(size, -1, dtype=np.int32)

    # --- construction -----------------------------------------------------------------------

    def _build_given_pool(self) -> None:
        pool: list[str] = []
        offsets: list[tuple[int, int, int]] = []
        for chars in (self._catalog.given_male, self._catalog.given_female):
            singles = len(pool)
            pool.extend(chars)
            pairs = len(pool)
            pool.extend(a + b for a in chars for b in chars if a != b)
            offsets.append((singles, pairs, len(pool)))
        self.given_pool = pool
        self._given_index = {g: i for i, g in enumerate(pool)}
        self._given_offsets = offsets

    def _draw_given(self, gender: npt.NDArray[np.int8], rng: np.random.Generator) -> IntArray:
        size = len(gender)
        single = rng.random(size) < 0.2
        u = rng.random(size)
        result = np.zeros(size, dtype=np.int64)
        for g, (singles, pairs, end) in enumerate(self._given_offsets):
            one = singles + (u * (pairs - singles)).astype(np.int64)
            two = pairs + (u * (end - pairs)).astype(np.int64)
            result = np.where(gender == g, np.where(single, one, two), result)
        return result

    def _draw_english_given(self, rng: np.random.Generator) -> IntArray:
        n_male = len(self._catalog.english_given_male)
        n_female = len(self._catalog.english_given_female)
        pick = rng.random(self.size)
        index = np.where(self.gender == 0, pick * n_male, n_male + pick * n_female).astype(np.int64)
        uses = (self.lang == 1) & (rng.random(self.size) < 0.3)
        return np.where(uses, index, -1)

    def _draw_identity(self, start: date, rng: np.random.Generator) -> None:
        probs = region_probabilities(self._catalog)
        self.home_region = rng.choice(len(probs), self.size, p=probs)
        self.home = self.addresses.add_random(self.home_region, rng)
        elsewhere = rng.integers(0, len(probs), self.size)
        self.id_region = np.where(rng.random(self.size) < 0.6, self.home_region, elsewhere)
        ages = rng.triangular(20, 33, 68, self.size)
        self.birth = (start.toordinal() - ages * 365.25).astype(np.int64)
        self.id_seq = self._unique_sequences(rng)

    def _unique_sequences(self, rng: np.random.Generator) -> IntArray:
        """Sequence codes so that no two persons share an ID number (odd = male)."""
        seq: IntArray = rng.integers(0, 500, self.size) * 2 + (self.gender == 0)
        for _ in range(50):
            key = (self.id_region * 10**6 + (self.birth - 600_000)) * 1000 + seq
            _, first = np.unique(key, return_index=True)
            dup = np.ones(self.size, dtype=bool)
            dup[first] = False
            if not dup.any():
                return seq
            seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + (self.gender[dup] == 0)
        raise RuntimeError("could not make resident ID numbers unique")

    def _draw_contact(self, rng: np.random.Generator) -> None:
        net = self._catalog.network
        mobile = np.asarray([int(p) for p in net["mobile_prefixes"]], dtype=np.int64)
        suffix = rng.choice(10**8, self.size, replace=False).astype(np.int64)
        self.phone_cc = np.full(self.size, 86, dtype=np.int64)
        self.phone_nsn = mobile[rng.integers(0, len(mobile), self.size)] * 10**8 + suffix
        abroad = np.flatnonzero((self.lang == 1) & (rng.random(self.size) < 0.15))
        for i in abroad:
            spec = net["international"][int(suffix[i]) % len(net["international"])]
            lead = spec["leading"][int(suffix[i] // 7) % len(spec["leading"])]
            rest = spec["digits"] - len(lead)
            self.phone_cc[i] = int(spec["cc"])
            self.phone_nsn[i] = int(f"{lead}{int(suffix[i]) % 10**rest:0{rest}d}")
        domains = net["email_domains"]
        weights = np.asarray([d["weight"] for d in domains], dtype=np.float64)
        self.email_domain = rng.choice(len(domains), self.size, p=weights / weights.sum())
        self.email_style = rng.integers(0, 3, self.size).astype(np.int8)
        self.email_num = rng.choice(9 * 10**7, self.size, replace=False).astype(np.int64) + 10**7
        prefixes = np.asarray([int(p) for p in net["home_ip_prefixes"]], dtype=np.int64)
        self.home_ip = prefixes[rng.integers(0, len(prefixes), self.size)] << 24
        self.home_ip += rng.integers(1 << 8, 1 << 24, self.size)

    def assign_work(self, rng: np.random.Generator) -> None:
        """Employers (in the city people live in, so after households moved people), titles
        and monthly incomes."""
        orgs = self.orgs
        employer = np.full(self.size, -3, dtype=np.int64)
        home_city = np.asarray([r.city for r in self._catalog.regions])[self.home_region]
        for index, large in enumerate(self._catalog.large_employers):
            take = (
                (employer == -3) & (home_city == large.city) & (rng.random(self.size) < large.share)
            )
            employer[take] = index
        small_city = np.asarray(
            [orgs.city_of(e) for e in range(orgs.n_large, orgs.n_large + orgs.n_small)]
        )
        for city in np.unique(home_city):
            block = orgs.n_large + np.flatnonzero(small_city == city)
            if len(block) == 0:
                block = orgs.n_large + np.arange(orgs.n_small)
            mask = (employer == -3) & (home_city == city)
            employer[mask] = block[rng.integers(0, len(block), int(mask.sum()))]
        status = rng.random(self.size)
        employer[status < 0.06] = SELF_EMPLOYED
        employer[(status >= 0.06) & (status < 0.10)] = NOT_EMPLOYED
        self.employer = employer
        self.title = rng.integers(0, len(self._catalog.titles), self.size).astype(np.int8)
        income = rng.lognormal(np.log(7000), 0.45, self.size)
        income = np.where(employer >= 0, income, income * 0.7)
        income = np.where((employer >= 0) & (employer < orgs.n_large), income * 1.2, income)
        self.income = np.round(income, -2)

    def apply_households(self, stop: int, rng: np.random.Generator) -> list[tuple[int, int]]:
        """Group persons ``[0, stop)`` into households sharing home, surname and language.

        Returns (first member, size) of every household of two or more people.
        """
        sizes = rng.choice(np.arange(1, 6), stop, p=[0.35, 0.30, 0.20, 0.10, 0.05])
        ends = np.cumsum(sizes)
        sizes = sizes[: int(np.searchsorted(ends, stop)) + 1]
        sizes[-1] -= int(sizes.sum()) - stop
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        head = np.repeat(starts, sizes)
        members = np.arange(stop)
        spouse = (members - head == 1) & (rng.random(stop) < 0.3)
        self.surname[:stop] = np.where(spouse, self.surname[:stop], self.surname[head])
        for column in (self.home, self.home_region, self.lang, self.home_ip):
            column[:stop] = column[head]
        self.household[:stop] = head
        self.household_size[:stop] = np.repeat(sizes, sizes)
        return [(int(s), int(n)) for s, n in zip(starts, sizes, strict=True) if n >= 2]

    # --- names --------------------------------------------------------------------------------

    def language(self, i: int) -> str:
        """ "zh" or "en": the language the person writes in."""
        return "en" if self.lang[i] else "zh"

    def name(self, i: int) -> str:
        """Canonical name in the person's own language ("王芳", "Wang Fang", "Kevin Zhang")."""
        if not self.lang[i]:
            return (
                self._catalog.surnames[int(self.surname[i])] + self.given_pool[int(self.given[i])]
            )
        surname = self._catalog.surname_pinyin[int(self.surname[i])]
        english = int(self.en_given[i])
        if english >= 0:
            return f"{self._english_given(english)} {surname}"
        return f"{surname} {self._catalog.pinyin(self.given_pool[int(self.given[i])])}"

    def _english_given(self, index: int) -> str:
        male = self._catalog.english_given_male
        return (
            male[index]
            if index < len(male)
            else self._catalog.english_given_female[index - len(male)]
        )

    def written_name(self, i: int, rng: random.Random, messiness: float) -> str:
        """The name as typed on a form: swapped order, upper case, initials or a stray space."""
        name = self.name(i)
        if rng.random() >= messiness:
            return name
        if not self.lang[i]:
            return f"{name[0]} {name[1:]}"
        first, last = name.split(" ", 1)
        return rng.choice(
            [f"{last} {first}", name.upper(), f"{last}, {first}", f"{first[0]}. {last}"]
        )

    def copy_name_variant(self, target: int, source: int, rng: random.Random) -> None:
        """Give ``target`` a name that differs from ``source``'s by a homophone or nothing."""
        self.surname[target] = self.surname[source]
        self.given[target] = self.given[source]
        self.en_given[target] = self.en_given[source]
        self.lang[target] = self.lang[source]
        choice = rng.randrange(3)
        if choice == 0:
            self.surname[target] = self._homophone_surname(int(self.surname[source]), rng)
        elif choice == 1:
            self.given[target] = self._homophone_given(int(self.given[source]), rng)

    def _homophone_surname(self, surname: int, rng: random.Random) -> int:
        text = self._catalog.surnames[surname]
        for group in self._catalog.surname_homophones:
            if text in group:
                options = [c for c in group if c != text]
                return self._catalog.surnames.index(rng.choice(options))
        return surname

    def _homophone_given(self, given: int, rng: random.Random) -> int:
        text = self.given_pool[given]
        for position, char in enumerate(text):
            for group in self._catalog.given_homophones:
                if char in group:
                    other = rng.choice([c for c in group if c != char])
                    return self._given_id(text[:position] + other + text[position + 1 :])
        return given

    def _given_id(self, text: str) -> int:
        index = self._given_index.get(text)
        if index is None:
            index = len(self.given_pool)
            self.given_pool.append(text)
            self._given_index[text] = index
        return index

    # --- identifiers ------------------------------------------------------------------------

    def id_number(self, i: int) -> str:
        """Canonical resident ID number."""
        region = self._catalog.regions[int(self.id_region[i])].code
        return resident_id(region, date.fromordinal(int(self.birth[i])), int(self.id_seq[i]))

    def phone(self, i: int) -> str:
        """Canonical E.164 mobile number."""
        return f"+{int(self.phone_cc[i])}{int(self.phone_nsn[i])}"

    def email(self, i: int) -> str:
        """Canonical (lower-case) e-mail address."""
        domain = self._catalog.network["email_domains"][int(self.email_domain[i])]["domain"]
        style = int(self.email_style[i])
        number = int(self.email_num[i])
        if style == 1 and domain == "qq.com":
            local = str(number)  # a QQ mailbox named after the QQ number
        else:
            separator = ("", "_", ".")[style]
            local = f"{self._ascii_name(i, separator)}{number % 10000:04d}"
        return f"{local}@{domain}"

    def _ascii_name(self, i: int, separator: str) -> str:
        surname = self._catalog.surname_pinyin[int(self.surname[i])].lower()
        english = int(self.en_given[i])
        given = (
            self._english_given(english)
            if english >= 0
            else self._catalog.pinyin(self.given_pool[int(self.given[i])])
        )
        return f"{given.lower()}{separator}{surname}".replace("'", "")

    def address(self, i: int) -> str:
        """Canonical home address in the person's language."""
        return self.addresses.canonical(int(self.home[i]), self.language(i))

    def employer_name(self, i: int) -> str:
        """Canonical employer name; self-employed and retired people get a plain word."""
        employer = int(self.employer[i])
        english = bool(self.lang[i])
        if employer == SELF_EMPLOYED:
            return "Self-employed" if english else "个体经营"
        if employer == NOT_EMPLOYED:
            return "Retired" if english else "退休"
        return self.orgs.name(employer, self.language(i))

    def device(self, i: int, web: bool = False) -> str:
        """The person's phone (IMEI / iOS id) or, for web channels, browser fingerprint."""
        return device_id(2 if web else int(self.device_kind[i]), int(self.device_seed[i]))

    def ip(self, i: int) -> str:
        """The person's home broadband IP."""
        return ipv4(int(self.home_ip[i]))
