"""Typed records of the synthetic world's own files (customer master and ground truth).

Applications, accounts and transactions use the pipeline-wide types of ``fraudgraph.types``;
these records cover what only the synthetic world has: the customer master and the truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Customer:
    """A row of the bank's customer master (canonical values)."""

    customer_id: str
    name: str
    id_number: str
    phone: str
    email: str
    address: str
    employer: str
    language: str


@dataclass(frozen=True, slots=True)
class Label:
    """Fraud label of one customer, application or account."""

    node_type: str
    id: str
    is_fraud: bool
    pattern: str | None
    ring_id: str | None


@dataclass(frozen=True, slots=True)
class Member:
    """A node belonging to a ring or benign group."""

    node_type: str
    id: str


@dataclass(frozen=True, slots=True)
class SharedValue:
    """A canonical identifier that binds the members of a group (kind: PHONE, DEVICE...)."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class GroupTruth:
    """A planted fraud ring or a benign sharing group."""

    ring_id: str
    pattern: str
    members: tuple[Member, ...]
    shared: tuple[SharedValue, ...]
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class IdentityLink:
    """Which person (or synthetic identity) stands behind an application, and which address
    and employer its ``address`` and ``employer`` fields name (however they are written);
    ``employer_id`` is None for the self-employed and the not employed."""

    application_id: str
    person_id: str
    address_id: str | None = None
    employer_id: str | None = None


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """An entity planted in a text: character offsets, kind and canonical value."""

    start: int
    end: int
    label: str
    canonical: str


@dataclass(frozen=True, slots=True)
class Annotation:
    """A generated free-text field (or memo) with every entity planted in it."""

    source_id: str
    field: str
    language: str
    text: str
    entities: tuple[EntitySpan, ...]
