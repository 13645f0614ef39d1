"""Gives every call a deadline: the client's, capped by the server's default budget.

A call whose deadline has already passed is refused before any work; servicers check the
remaining budget between steps (``CallContext.check_deadline``) so no request outlives it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import grpc

from fraudgraph.errors import GraphError
from fraudgraph.service.call_context import CallContext, ServiceError
from fraudgraph.service.handler_wrapping import Around, Handler, WrappingInterceptor


class DeadlineInterceptor(WrappingInterceptor):
    """Sets the call's deadline for servicers; refuses calls that arrive too late."""

    def __init__(
        self,
        default_budget_s: float,
        *,
        service_budgets_s: Mapping[str, float] | None = None,
        streaming_budget_s: float = 3600.0,
    ) -> None:
        self._default = default_budget_s
        self._services = dict(service_budgets_s or {})
        self._streaming = streaming_budget_s

    def around(self, handler: Handler, details: grpc.HandlerCallDetails) -> Around | None:
        """Wrap the handler with the call's deadline."""
        streaming = handler.request_streaming or handler.response_streaming
        service = details.method.rsplit("/", 1)[0].lstrip("/")
        budget = self._streaming if streaming else self._services.get(service, self._default)
        return lambda ctx: self._within(ctx, budget)

    @staticmethod
    @contextmanager
    def _within(context: grpc.ServicerContext, budget_s: float) -> Iterator[None]:
        remaining = context.time_remaining()
        if remaining is not None and remaining <= 0:
            raise ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded on arrival")
        allowed = budget_s if remaining is None else min(remaining, budget_s)
        deadline = time.monotonic() + allowed
        token = CallContext.deadline_var.set(deadline)
        try:
            yield
        except GraphError as exc:
            # Neo4j gave up because our budget ran out: that is the deadline, not an outage.
            if time.monotonic() >= deadline:
                raise ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded") from exc
            raise
        finally:
            CallContext.deadline_var.reset(token)
