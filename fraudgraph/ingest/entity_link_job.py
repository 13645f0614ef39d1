"""Proposes SAME_AS links between the nodes of the graph that stand for one thing.

Ingest gives every spelling of an employer or address its own node, keyed by its canonical
form; this job reads those keys back, asks :class:`MentionLinker` which of them are the same
thing (shared organisation core, a missing building number, one romanised name) and stores its
answers as reviewable SAME_AS links. Customers are linked from their master records (the raw
fields that :class:`EntityResolver` compares, which the graph keeps only as identifier links):
two customer ids of one person, e.g. one resident ID reused under a new customer number. It
reads whole key sets, so it runs after a load, not per record.

Every run stamps the links it writes and then prunes the unreviewed links of the same linker
that it did not write: a link proposed by an older linker version, or between records that have
changed since, does not outlive the reason it was made. Reviewed links are never pruned.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from neo4j import Driver

from fraudgraph.errors import FraudGraphError
from fraudgraph.graph.same_as_repository import SameAsRepository
from fraudgraph.ingest.graph_rows import ENTITY_NODES
from fraudgraph.ingest.record_parser import parse_customer
from fraudgraph.ingest.sources import SourceFile
from fraudgraph.nlp.entity_resolver import EntityResolver
from fraudgraph.nlp.extractor import VERSION
from fraudgraph.nlp.mention_linker import MentionLinker
from fraudgraph.nlp.organisation_directory import OrganisationDirectory
from fraudgraph.nlp.party_record import PartyRecord
from fraudgraph.settings import Settings
from fraudgraph.types import EntityKind

LINKER = "fraudgraph.nlp.mention_linker"
RESOLVER = "fraudgraph.nlp.entity_resolver"
LINKED_KINDS: tuple[EntityKind, ...] = (
    EntityKind.ORGANIZATION,
    EntityKind.ADDRESS,
    EntityKind.PERSON,
)


@dataclass(frozen=True, slots=True)
class LinkCounts:
    """What one run did to one node label's SAME_AS links."""

    stored: int
    pruned: int


class EntityLinkJob:
    """Reads entity keys, links them, writes the SAME_AS candidates; one label at a time."""

    def __init__(
        self,
        repository: SameAsRepository,
        linker: MentionLinker | None = None,
        resolver: EntityResolver | None = None,
    ) -> None:
        self.repository = repository
        self.linker = linker or MentionLinker()
        self.resolver = resolver or EntityResolver()

    @classmethod
    def after_load(
        cls, driver: Driver, settings: Settings, files: Sequence[SourceFile]
    ) -> dict[str, LinkCounts]:
        """Propose the SAME_AS links of a finished load: customers of one person (from the
        customer files among ``files``) and spellings of one employer, address or name."""
        repository = SameAsRepository(driver, settings.neo4j_database, settings.neo4j_batch_size)
        job = cls(repository, cls.linker_for(settings))
        return {"Customer": job.link_customers(cls.customer_records(files)), **job.run()}

    @staticmethod
    def customer_records(files: Sequence[SourceFile]) -> list[PartyRecord]:
        """The customer master rows of ``files`` as resolution records (rejected rows left
        out: the load has already reported them). A second pass over those files keeps the
        loaders free of linking; it costs about 1 s for 93k customers."""
        records: list[PartyRecord] = []
        for source in files:
            if source.kind != "customers":
                continue
            for row in source.rows():
                if row.data is None:
                    continue
                try:
                    c = parse_customer(row.data)
                except FraudGraphError:
                    continue
                records.append(PartyRecord(c["customer_id"], c["name"], c["id_number"],
                                           c["phone"], c["email"], c["address"],
                                           c["employer"]))  # fmt: skip
        return records

    @staticmethod
    def linker_for(settings: Settings) -> MentionLinker:
        """The linker ``settings`` ask for: with the organisation directory when one is set."""
        path = settings.nlp_organisation_directory
        return MentionLinker(directory=OrganisationDirectory.load(path) if path else None)

    def run(self, kinds: Sequence[EntityKind] = LINKED_KINDS) -> dict[str, LinkCounts]:
        """Links stored and stale links pruned, per node label."""
        return {ENTITY_NODES[kind][0]: self._link(kind) for kind in kinds}

    def _link(self, kind: EntityKind) -> LinkCounts:
        node_label = ENTITY_NODES[kind][0]
        keys = self.repository.keys(node_label)
        prefix = f"{kind.value}:"  # the linker names its ends KIND:key
        links = [
            replace(
                link, left=link.left.removeprefix(prefix), right=link.right.removeprefix(prefix)
            )
            for link in self.linker.link((kind, key) for key in keys)
        ]
        run = uuid.uuid4().hex
        stored = self.repository.write(node_label, links, LINKER, VERSION, run)
        return LinkCounts(stored, self.repository.prune(node_label, LINKER, run))

    def link_customers(self, records: Sequence[PartyRecord]) -> LinkCounts:
        """SAME_AS links between the customers (``record_id`` = customer id) of ``records``
        judged to be one person. Only links among these customers are pruned: customers loaded
        from other files keep theirs."""
        run = uuid.uuid4().hex
        stored = self.repository.write(
            "Customer", self.resolver.resolve(records), RESOLVER, VERSION, run
        )
        ids = [record.record_id for record in records]
        return LinkCounts(stored, self.repository.prune("Customer", RESOLVER, run, ids))
