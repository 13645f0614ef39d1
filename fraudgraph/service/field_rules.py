"""Checks on the fields of incoming requests: every failure names the offending field."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Final

from fraudgraph.errors import InvalidInputError

_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]*")
# C0/C1 control characters other than tab/newline, and unpaired surrogates.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_ID: Final = 128
MAX_AMOUNT: Final = 1e12
EARLIEST: Final = datetime(1970, 1, 2, tzinfo=UTC)
LATEST: Final = datetime(2100, 1, 1, tzinfo=UTC)


class FieldRules:
    """Validation of request fields shared by the scoring and ring servicers."""

    @staticmethod
    def identifier(value: str, field: str, *, required: bool = True) -> str:
        """A key such as a request, account or ring id: short, printable ASCII."""
        if not value:
            if required:
                raise InvalidInputError("is required", field=field)
            return value
        if len(value) > MAX_ID:
            raise InvalidInputError(f"longer than {MAX_ID} characters", field=field)
        if not _ID.fullmatch(value):
            raise InvalidInputError("may only hold letters, digits and ._:@/+=-", field=field)
        return value

    @staticmethod
    def text(value: str, field: str, *, max_len: int, required: bool = False) -> str:
        """Free or structured text: bounded, no control characters."""
        if required and not value.strip():
            raise InvalidInputError("is required", field=field)
        if len(value) > max_len:
            raise InvalidInputError(f"longer than {max_len} characters", field=field)
        if _CONTROL.search(value):
            raise InvalidInputError("holds control characters", field=field)
        return value

    @staticmethod
    def amount(value: float, field: str, *, allow_zero: bool = False) -> float:
        """A finite, non-negative money amount below a sanity bound."""
        if not math.isfinite(value):
            raise InvalidInputError("must be a finite number", field=field)
        if value < 0 or (value == 0 and not allow_zero):
            raise InvalidInputError("must be positive", field=field)
        if value > MAX_AMOUNT:
            raise InvalidInputError(f"must be at most {MAX_AMOUNT:g}", field=field)
        return value

    @staticmethod
    def moment(value: datetime, field: str) -> datetime:
        """A timestamp inside a plausible range."""
        if not EARLIEST <= value <= LATEST:
            raise InvalidInputError("outside 1970-2100", field=field)
        return value

    @staticmethod
    def choice(value: str, field: str, allowed: frozenset[str]) -> str:
        """One of a closed set of values."""
        if value not in allowed:
            raise InvalidInputError(f"must be one of {sorted(allowed)}", field=field)
        return value
