"""Typed payloads that cross pipeline stages.

These are plain frozen dataclasses (with slots) rather than pydantic models: the synthetic world
and the ingest stream millions of them, and validation happens once at the edges (file readers,
the gRPC servicers), not on every hand-off between stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class EntityKind(StrEnum):
    """Kinds of entity that fraudgraph extracts, validates and links."""

    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"
    ADDRESS = "ADDRESS"
    LOCATION = "LOCATION"
    TITLE = "TITLE"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    ID_NUMBER = "ID_NUMBER"  # Chinese resident identity card number
    USCC = "USCC"  # unified social credit code of a company
    BANK_CARD = "BANK_CARD"
    DEVICE = "DEVICE"
    IP = "IP"
    AMOUNT = "AMOUNT"
    DATE = "DATE"


class Product(StrEnum):
    LOAN = "loan"
    CARD = "card"


class Action(StrEnum):
    """What a bank system should do with a scored request."""

    ALLOW = "ALLOW"
    REVIEW = "REVIEW"
    BLOCK = "BLOCK"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an extracted entity came from, so an investigator can see why a link exists."""

    source_id: str
    field: str
    start: int
    end: int
    extractor: str
    version: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity mention: its text as written, its canonical key, and whether it validated.

    ``canonical`` is the normalised value used as the graph key (E.164 phone, upper-case ID,
    digits-only card...). ``valid`` is False for identifiers that look right but fail their
    checksum: they are kept, flagged, because a forged number is a signal of its own.
    """

    kind: EntityKind
    text: str
    canonical: str
    valid: bool = True
    provenance: Provenance | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Application:
    """A loan or credit-card application: structured fields plus free text."""

    application_id: str
    customer_id: str
    product: Product
    created_at: datetime
    name: str
    id_number: str
    phone: str
    email: str
    address: str
    employer: str
    income: float
    amount: float
    device_id: str
    ip: str
    channel: str
    language: str = "zh"
    purpose: str = ""
    employment: str = ""
    remarks: str = ""


@dataclass(frozen=True, slots=True)
class Account:
    """A bank account, optionally with a card, owned by a customer (or external if unknown)."""

    account_id: str
    customer_id: str | None
    opened_at: datetime | None
    kind: str = "debit"
    card_number: str = ""
    init_balance: float = 0.0


@dataclass(frozen=True, slots=True)
class Transaction:
    """A transfer between two accounts."""

    transaction_id: str
    payer_account: str
    payee_account: str
    amount: float
    currency: str
    timestamp: datetime
    channel: str = ""
    device_id: str = ""
    ip: str = ""
    memo: str = ""


@dataclass(frozen=True, slots=True)
class Reason:
    """A machine-readable reason code with readable English and Chinese text."""

    code: str
    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Score:
    """A fraud probability for one graph node from one model version."""

    node_id: str
    score: float
    model_version: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to a bank system that asked before approving."""

    request_id: str
    score: float
    action: Action
    reasons: tuple[Reason, ...]
    model_version: str
    ring_id: str | None = None
    latency_ms: float = 0.0
