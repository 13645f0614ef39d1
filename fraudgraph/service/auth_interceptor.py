"""Checks bearer tokens and scopes before a call reaches a servicer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from fraudgraph.service.call_context import CallContext, Principal, ServiceError
from fraudgraph.service.handler_wrapping import Around, Handler, WrappingInterceptor
from fraudgraph.service.token_authority import TokenAuthority


class AuthInterceptor(WrappingInterceptor):
    """UNAUTHENTICATED without a valid token, PERMISSION_DENIED without the method's scope."""

    def __init__(self, authority: TokenAuthority, *, required: bool = True) -> None:
        self._authority = authority
        self._required = required

    def around(self, handler: Handler, details: grpc.HandlerCallDetails) -> Around | None:
        """Let the call through with its principal set, or replace it by a rejection."""
        scope = self._authority.required_scope(details.method)
        if scope is None:
            return None
        if not self._required:
            dev = Principal("unauthenticated", frozenset({"admin"}))
            return lambda ctx: self._as(dev)
        metadata = dict(details.invocation_metadata or ())
        header = metadata.get("authorization")
        principal = self._authority.principal(header if isinstance(header, str) else None)
        if principal is None:
            error = ServiceError(
                grpc.StatusCode.UNAUTHENTICATED, "a valid bearer token is required"
            )
            return lambda ctx: self._reject(error)
        if not self._authority.allows(principal, scope):
            error = ServiceError(grpc.StatusCode.PERMISSION_DENIED, f"needs the {scope} scope")
            return lambda ctx: self._reject(error)
        return lambda ctx: self._as(principal)

    @staticmethod
    @contextmanager
    def _as(principal: Principal) -> Iterator[None]:
        token = CallContext.principal_var.set(principal)
        try:
            yield
        finally:
            CallContext.principal_var.reset(token)

    @staticmethod
    @contextmanager
    def _reject(error: ServiceError) -> Iterator[None]:
        raise error
        yield  # unreachable: makes this a generator for contextmanager
