"""Checks bearer tokens and scopes before a call reaches a servicer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc

from fraudgraph.service.call_context import CallContext, Principal, ServiceError
from fraudgraph.service.handler_wrapping import HandlerWrapping, InterceptorBase
from fraudgraph.service.token_authority import TokenAuthority


class AuthInterceptor(InterceptorBase):
    """UNAUTHENTICATED without a valid token, PERMISSION_DENIED without the method's scope."""

    def __init__(self, authority: TokenAuthority, *, required: bool = True) -> None:
        self._authority = authority
        self._required = required

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """Let the call through with its principal set, or replace it by a rejection."""
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        scope = self._authority.required_scope(handler_call_details.method)
        if scope is None:
            return handler
        if not self._required:
            dev = Principal("unauthenticated", frozenset({"admin"}))
            return HandlerWrapping.wrap(handler, lambda ctx: self._as(dev))
        metadata = dict(handler_call_details.invocation_metadata or ())
        header = metadata.get("authorization")
        principal = self._authority.principal(header if isinstance(header, str) else None)
        if principal is None:
            error = ServiceError(
                grpc.StatusCode.UNAUTHENTICATED, "a valid bearer token is required"
            )
            return HandlerWrapping.wrap(handler, lambda ctx: self._reject(error))
        if not self._authority.allows(principal, scope):
            error = ServiceError(grpc.StatusCode.PERMISSION_DENIED, f"needs the {scope} scope")
            return HandlerWrapping.wrap(handler, lambda ctx: self._reject(error))
        return HandlerWrapping.wrap(handler, lambda ctx: self._as(principal))

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
