"""Streams a synthetic world's files back as typed records (used by ingest and the tests).

Each ``read_*`` function takes the world folder and yields one record per line, validating
types at this edge: a malformed line raises :class:`~fraudgraph.errors.InvalidInputError`
naming the file, line and field; a missing file raises :class:`~fraudgraph.errors.IngestError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from fraudgraph.errors import IngestError, InvalidInputError
from fraudgraph.synth.records import (
    Annotation,
    Customer,
    EntitySpan,
    GroupTruth,
    IdentityLink,
    Label,
    Member,
    SharedValue,
)
from fraudgraph.synth.world_config import FORMAT
from fraudgraph.types import Account, Application, Product, Transaction

T = TypeVar("T")


def read_manifest(world: Path) -> dict[str, Any]:
    """The manifest, checked to be of the format this reader understands."""
    path = world / "manifest.json"
    if not path.is_file():
        raise IngestError(f"{path} not found: not a synthetic world folder")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise InvalidInputError(f"unsupported format {manifest.get('format')!r}", field="format")
    return manifest


def read_customers(world: Path) -> Iterator[Customer]:
    """The customer master."""
    return _read(world / "customers.jsonl", lambda r: Customer(**r))


def read_applications(world: Path) -> Iterator[Application]:
    """Applications, with ``created_at`` parsed and ``product`` as :class:`Product`."""
    return _read(world / "applications.jsonl", _application)


def read_accounts(world: Path) -> Iterator[Account]:
    """Accounts (``opened_at`` None for accounts held at other banks)."""
    return _read(world / "accounts.jsonl", _account)


def read_transactions(world: Path) -> Iterator[Transaction]:
    """Transactions in timestamp order."""
    return _read(world / "transactions.jsonl", _transaction)


def read_labels(world: Path) -> Iterator[Label]:
    """Fraud labels of every customer, application and account."""
    return _read(world / "truth" / "labels.jsonl", lambda r: Label(**r))


def read_rings(world: Path) -> Iterator[GroupTruth]:
    """Planted fraud rings."""
    return _read(world / "truth" / "rings.jsonl", _group)


def read_benign_groups(world: Path) -> Iterator[GroupTruth]:
    """Benign sharing groups (families, large employers, public Wi-Fi, switchboards)."""
    return _read(world / "truth" / "benign_groups.jsonl", _group)


def read_identity(world: Path) -> Iterator[IdentityLink]:
    """Entity-resolution truth: the person behind each application."""
    return _read(world / "truth" / "identity.jsonl", lambda r: IdentityLink(**r))


def read_annotations(world: Path) -> Iterator[Annotation]:
    """Generated texts with their planted entities."""
    return _read(world / "truth" / "annotations.jsonl", _annotation)


# --- parsing ----------------------------------------------------------------------------------


def _read(path: Path, build: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    if not path.is_file():
        raise IngestError(f"{path} not found")
    return _lines(path, build)


def _lines(path: Path, build: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            where = f"{path.name}:{number}"
            try:
                yield build(json.loads(line))
            except InvalidInputError as error:
                raise InvalidInputError(str(error), field=where) from error
            except (ValueError, TypeError, KeyError) as error:
                raise InvalidInputError(f"malformed record ({error})", field=where) from error


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise InvalidInputError("expected an ISO 8601 string", field="timestamp")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise InvalidInputError("timestamp without UTC offset", field="timestamp")
    return moment


def _optional_time(value: Any) -> datetime | None:
    return None if value is None else _time(value)


def _application(raw: dict[str, Any]) -> Application:
    fields = dict(raw)
    fields["product"] = Product(raw["product"])
    fields["created_at"] = _time(raw["created_at"])
    fields["income"] = float(raw["income"])
    fields["amount"] = float(raw["amount"])
    return Application(**fields)


def _account(raw: dict[str, Any]) -> Account:
    fields = dict(raw)
    fields["opened_at"] = _optional_time(raw["opened_at"])
    fields["init_balance"] = float(raw["init_balance"])
    return Account(**fields)


def _transaction(raw: dict[str, Any]) -> Transaction:
    fields = dict(raw)
    fields["timestamp"] = _time(raw["timestamp"])
    fields["amount"] = float(raw["amount"])
    return Transaction(**fields)


def _group(raw: dict[str, Any]) -> GroupTruth:
    return GroupTruth(
        ring_id=raw["ring_id"],
        pattern=raw["pattern"],
        members=tuple(Member(**m) for m in raw["members"]),
        shared=tuple(SharedValue(**s) for s in raw["shared"]),
        start=_optional_time(raw["start"]),
        end=_optional_time(raw["end"]),
    )


def _annotation(raw: dict[str, Any]) -> Annotation:
    return Annotation(
        source_id=raw["source_id"],
        field=raw["field"],
        language=raw["language"],
        text=raw["text"],
        entities=tuple(EntitySpan(**e) for e in raw["entities"]),
    )
