"""Entity resolution: SAME_AS candidate links between records of the same real person.

Nothing is merged: the resolver only proposes links, each with a confidence and the evidence
behind it, and the graph stores them as SAME_AS relationships that can be reviewed or dropped.

1. Strong keys: two records with the same *valid* resident ID are the same person.
2. Blocking: records sharing a romanised-name key, phone, e-mail or address key become
   candidate pairs (blocks larger than ``max_block`` are skipped: a phone shared by hundreds of
   applications is a ring signal, not an identity).
3. Fuzzy scoring (rapidfuzz) of names, addresses and employers; a name match alone is never
   enough, because different people share names and fraudsters pick homophones.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fraudgraph.nlp import checksums
from fraudgraph.nlp.address_parser import AddressParser
from fraudgraph.nlp.identifier_matcher import IdentifierMatcher
from fraudgraph.nlp.name_normaliser import NameNormaliser
from fraudgraph.nlp.organisation_normaliser import OrganisationNormaliser
from fraudgraph.nlp.party_record import PartyRecord
from fraudgraph.nlp.text_folder import TextFolder
from fraudgraph.types import EntityKind


@dataclass(frozen=True, slots=True)
class SameAsLink:
    """A proposed identity link between two records (``left < right``)."""

    left: str
    right: str
    confidence: float
    evidence: tuple[str, ...]
    method: str


@dataclass(frozen=True, slots=True)
class _Party:
    record_id: str
    name: str
    name_keys: frozenset[str]
    id_number: str
    id_valid: bool
    phone: str
    email: str
    address_key: str
    employer: str


@dataclass(frozen=True, slots=True)
class ResolverConfig:
    """Thresholds of the resolver (similarities in [0, 1])."""

    threshold: float = 0.8
    name_similarity: float = 0.85
    address_similarity: float = 0.9
    employer_similarity: float = 0.9
    max_block: int = 50


class EntityResolver:
    """Proposes SAME_AS links between person records."""

    def __init__(
        self, config: ResolverConfig | None = None, addresses: AddressParser | None = None
    ) -> None:
        self.config = config or ResolverConfig()
        self.addresses = addresses or AddressParser()
        self.names = NameNormaliser()
        self.organisations = OrganisationNormaliser()
        self.matcher = IdentifierMatcher()

    def resolve(self, records: Sequence[PartyRecord]) -> list[SameAsLink]:
        """Links between records judged to be the same person, strongest first."""
        parties = [self._normalise(record) for record in records]
        links: dict[tuple[str, str], SameAsLink] = {}
        for left, right in self._candidate_pairs(parties):
            link = self._compare(left, right)
            if link is not None:
                links[(link.left, link.right)] = link
        return sorted(links.values(), key=lambda link: (-link.confidence, link.left, link.right))

    # ---- normalisation ------------------------------------------------------------------
    def _normalise(self, record: PartyRecord) -> _Party:
        id_number = "".join(TextFolder().fold(record.id_number).split()).replace("-", "").upper()
        return _Party(
            record.record_id,
            self.names.canonical(record.name),
            frozenset(self.names.keys(record.name)),
            id_number,
            checksums.is_resident_id(id_number),
            self._phone(record.phone),
            record.email.strip().lower(),
            self.addresses.key(record.address) if record.address.strip() else "",
            self.organisations.core(record.employer) if record.employer.strip() else "",
        )

    def _phone(self, phone: str) -> str:
        found = [m for m in self.matcher.find(phone) if m.kind is EntityKind.PHONE]
        return found[0].canonical if found else "".join(ch for ch in phone if ch.isdigit())

    # ---- blocking -----------------------------------------------------------------------
    def _candidate_pairs(self, parties: Sequence[_Party]) -> Iterable[tuple[_Party, _Party]]:
        blocks: dict[str, list[int]] = defaultdict(list)
        for index, party in enumerate(parties):
            for key in self._block_keys(party):
                blocks[key].append(index)
        seen: set[tuple[int, int]] = set()
        for members in blocks.values():
            if len(members) < 2 or len(members) > self.config.max_block:
                continue
            for i, j in itertools.combinations(members, 2):
                if (i, j) not in seen:
                    seen.add((i, j))
                    yield parties[i], parties[j]

    @staticmethod
    def _block_keys(party: _Party) -> list[str]:
        keys = [f"name:{key}" for key in party.name_keys]
        if party.id_number:
            keys.append(f"id:{party.id_number}")
        if party.phone:
            keys.append(f"phone:{party.phone}")
        if party.email:
            keys.append(f"email:{party.email}")
        if party.address_key:
            keys.append(f"addr:{party.address_key}")
        return keys

    # ---- scoring ------------------------------------------------------------------------
    def _compare(self, left: _Party, right: _Party) -> SameAsLink | None:
        if left.record_id > right.record_id:
            left, right = right, left
        if left.id_valid and right.id_valid:
            if left.id_number == right.id_number:
                return SameAsLink(left.record_id, right.record_id, 0.99, ("id_number",), "exact")
            return None  # two different valid IDs: two people, whatever else they share
        name = self._name_similarity(left, right)
        if name < self.config.name_similarity:
            return None
        evidence = [f"name:{name:.2f}"]
        support = self._supporting_evidence(left, right)
        if not support:
            return None
        evidence += [label for label, _ in support]
        miss = 1.0 - 0.6 * name
        for _, strength in support:
            miss *= 1.0 - strength
        confidence = round(1.0 - miss, 4)
        if confidence < self.config.threshold:
            return None
        return SameAsLink(left.record_id, right.record_id, confidence, tuple(evidence), "fuzzy")

    def _name_similarity(self, left: _Party, right: _Party) -> float:
        if left.name_keys & right.name_keys:
            # Same romanisation: 李伟 vs Li Wei, or a homophone such as 李伟 vs 李玮.
            return 1.0 if left.name == right.name or not (left.name and right.name) else 0.9
        from rapidfuzz import fuzz

        return fuzz.token_sort_ratio(left.name, right.name) / 100.0

    def _supporting_evidence(self, left: _Party, right: _Party) -> list[tuple[str, float]]:
        from rapidfuzz import fuzz

        support: list[tuple[str, float]] = []
        if left.id_number and left.id_number == right.id_number:
            support.append(("id_number", 0.9))
        if left.phone and left.phone == right.phone:
            support.append(("phone", 0.6))
        if left.email and left.email == right.email:
            support.append(("email", 0.7))
        if left.address_key and right.address_key:
            similarity = fuzz.ratio(left.address_key, right.address_key) / 100.0
            if similarity >= self.config.address_similarity:
                support.append((f"address:{similarity:.2f}", 0.5 * similarity))
        if left.employer and right.employer:
            similarity = fuzz.ratio(left.employer, right.employer) / 100.0
            if similarity >= self.config.employer_similarity:
                support.append((f"employer:{similarity:.2f}", 0.3 * similarity))
        return support
