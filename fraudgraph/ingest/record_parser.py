"""Turning raw rows (dicts from JSONL, CSV, Parquet) into typed records, or saying why not."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from fraudgraph.errors import InvalidInputError
from fraudgraph.types import Account, Application, Product, Transaction

T = TypeVar("T")
Parser = Callable[[Mapping[str, Any]], T]


def _text(row: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = row.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if required:
            raise InvalidInputError("missing required value", field=name)
        return ""
    text = str(value).strip() if not isinstance(value, str) else value.strip()
    if required and not text:
        raise InvalidInputError("missing required value", field=name)
    return text


def _number(row: Mapping[str, Any], name: str, *, required: bool = False) -> float:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInputError("missing required value", field=name)
        return 0.0
    try:
        number = (
            float(str(value).replace(",", "").strip()) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError):
        raise InvalidInputError(f"not a number: {str(value)[:40]!r}", field=name) from None
    if not math.isfinite(number):
        raise InvalidInputError(f"not a finite number: {value!r}", field=name)
    return number


def _time(row: Mapping[str, Any], name: str, *, required: bool = False) -> datetime | None:
    value = row.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInputError("missing required value", field=name)
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInputError(
                f"not an ISO 8601 time: {str(value)[:40]!r}", field=name
            ) from None
    # Naive times are taken as UTC so that every stored time is comparable.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_application(row: Mapping[str, Any]) -> Application:
    product = _text(row, "product", required=True).lower()
    if product not in {p.value for p in Product}:
        raise InvalidInputError(f"unknown product {product[:20]!r} (loan or card)", field="product")
    amount = _number(row, "amount")
    if amount < 0:
        raise InvalidInputError("negative amount", field="amount")
    created = _time(row, "created_at", required=True)
    assert created is not None
    return Application(
        application_id=_text(row, "application_id", required=True),
        customer_id=_text(row, "customer_id", required=True),
        product=Product(product),
        created_at=created,
        name=_text(row, "name"),
        id_number=_text(row, "id_number"),
        phone=_text(row, "phone"),
        email=_text(row, "email"),
        address=_text(row, "address"),
        employer=_text(row, "employer"),
        income=_number(row, "income"),
        amount=amount,
        device_id=_text(row, "device_id"),
        ip=_text(row, "ip"),
        channel=_text(row, "channel"),
        language=_text(row, "language") or "zh",
        purpose=_text(row, "purpose"),
        employment=_text(row, "employment"),
        remarks=_text(row, "remarks"),
    )


def parse_account(row: Mapping[str, Any]) -> Account:
    return Account(
        account_id=_text(row, "account_id", required=True),
        customer_id=_text(row, "customer_id") or None,
        opened_at=_time(row, "opened_at"),
        kind=_text(row, "kind") or "debit",
        card_number=_text(row, "card_number"),
        init_balance=_number(row, "init_balance"),
    )


def parse_transaction(row: Mapping[str, Any]) -> Transaction:
    amount = _number(row, "amount", required=True)
    if amount < 0:
        raise InvalidInputError("negative amount", field="amount")
    timestamp = _time(row, "timestamp", required=True)
    assert timestamp is not None
    payer = _text(row, "payer_account", required=True)
    payee = _text(row, "payee_account", required=True)
    return Transaction(
        transaction_id=_text(row, "transaction_id", required=True),
        payer_account=payer,
        payee_account=payee,
        amount=amount,
        currency=(_text(row, "currency") or "CNY").upper(),
        timestamp=timestamp,
        channel=_text(row, "channel"),
        device_id=_text(row, "device_id"),
        ip=_text(row, "ip"),
        memo=_text(row, "memo"),
    )


def parse_customer(row: Mapping[str, Any]) -> dict[str, str]:
    """Customer master rows stay dicts: the identifiers are resolved like application fields."""
    fields = ("name", "id_number", "phone", "email", "address", "employer", "language")
    parsed = {name: _text(row, name) for name in fields}
    parsed["customer_id"] = _text(row, "customer_id", required=True)
    return parsed
