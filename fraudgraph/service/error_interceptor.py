"""The one place where errors become gRPC statuses.

Fraudgraph errors map to the status a client can act on (INVALID_ARGUMENT names the field,
NOT_FOUND, UNAVAILABLE for the graph); anything unexpected is logged with its stack and
answered INTERNAL without internals in the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc

from fraudgraph.errors import (
    FraudGraphError,
    GraphError,
    InvalidInputError,
    NotFoundError,
)
from fraudgraph.service.call_context import ServiceError
from fraudgraph.service.handler_wrapping import Around, Handler, WrappingInterceptor

LOG = logging.getLogger(__name__)


class ErrorInterceptor(WrappingInterceptor):
    """Translates exceptions raised by servicers and inner interceptors into statuses."""

    def around(self, handler: Handler, details: grpc.HandlerCallDetails) -> Around | None:
        """Wrap the handler of the call so that its errors become statuses."""
        method = details.method
        return lambda ctx: self._translating(ctx, method)

    @staticmethod
    def status_of(exc: Exception) -> tuple[grpc.StatusCode, str]:
        """The status code and message a client gets for ``exc``."""
        if isinstance(exc, ServiceError):
            return exc.code, exc.message
        if isinstance(exc, InvalidInputError):
            return grpc.StatusCode.INVALID_ARGUMENT, str(exc)
        if isinstance(exc, NotFoundError):
            return grpc.StatusCode.NOT_FOUND, str(exc)
        if isinstance(exc, GraphError):
            return grpc.StatusCode.UNAVAILABLE, "the graph database is unavailable"
        if isinstance(exc, FraudGraphError):
            return grpc.StatusCode.FAILED_PRECONDITION, str(exc)
        return grpc.StatusCode.INTERNAL, "internal error"

    @staticmethod
    @contextmanager
    def _translating(context: grpc.ServicerContext, method: str) -> Iterator[None]:
        try:
            yield
        except (ServiceError, FraudGraphError) as exc:
            code, message = ErrorInterceptor.status_of(exc)
            if isinstance(exc, GraphError):
                LOG.warning("%s: %s", method, exc)
            context.abort(code, message)
        except grpc.RpcError:
            raise
        except Exception as exc:
            if _is_abort(context):
                raise  # context.abort() was called below us: the status is already set
            LOG.exception("unexpected error in %s", method)
            code, message = ErrorInterceptor.status_of(exc)
            context.abort(code, message)


def _is_abort(context: Any) -> bool:
    """True when the exception in flight is gRPC's own abort signal."""
    code = getattr(context, "code", lambda: None)()
    return code is not None and code != grpc.StatusCode.OK
