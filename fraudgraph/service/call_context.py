"""Per-call state shared by interceptors and servicers: the caller and the call's budget.

Values live in context variables that the interceptors set around a handler's execution (and
reset after it), because a gRPC servicer only receives ``(request, context)``.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

import grpc


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a token's name and its scopes."""

    name: str
    scopes: frozenset[str]


class ServiceError(Exception):
    """An error meant for the client: a gRPC status code and a message.

    Raised anywhere below the error interceptor, which is the one place that aborts calls.
    """

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


ANONYMOUS = Principal("anonymous", frozenset())
_principal: ContextVar[Principal] = ContextVar("principal", default=ANONYMOUS)
_deadline: ContextVar[float | None] = ContextVar("deadline", default=None)


class CallContext:
    """Access to the current call's principal and deadline."""

    principal_var = _principal
    deadline_var = _deadline

    @staticmethod
    def principal() -> Principal:
        """The authenticated caller of the current call."""
        return _principal.get()

    @staticmethod
    def remaining_s() -> float | None:
        """Seconds left before the current call's deadline, None when unbounded."""
        deadline = _deadline.get()
        return None if deadline is None else deadline - time.monotonic()

    @staticmethod
    def check_deadline() -> None:
        """Raise DEADLINE_EXCEEDED when the call has no time left: nobody waits for the answer."""
        remaining = CallContext.remaining_s()
        if remaining is not None and remaining <= 0:
            raise ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
