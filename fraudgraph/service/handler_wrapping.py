"""Wrapping a gRPC method handler's behaviour, whatever its streaming shape.

gRPC's server interceptors receive a ``RpcMethodHandler`` and must return one of the same
shape; this module rebuilds a handler whose behaviour runs inside a context manager supplied
by the interceptor. For a streaming response the context spans the whole stream.
:class:`WrappingInterceptor` is the one ``intercept_service`` of the service's interceptors:
each of them only says which context a call runs in.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import grpc

if TYPE_CHECKING:
    InterceptorBase = grpc.ServerInterceptor[Any, Any]
    Handler = grpc.RpcMethodHandler[Any, Any]
else:  # the stubs are generic, the runtime classes are not
    InterceptorBase = grpc.ServerInterceptor
    Handler = grpc.RpcMethodHandler

Around = Callable[[grpc.ServicerContext], AbstractContextManager[None]]


class HandlerWrapping:
    """Builds handlers with wrapped behaviour."""

    @staticmethod
    def wrap(
        handler: grpc.RpcMethodHandler[Any, Any], around: Around
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """``handler`` with its behaviour run inside ``around(context)``."""
        de, ser = handler.request_deserializer, handler.response_serializer
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(
                HandlerWrapping._unary(handler.unary_unary, around), de, ser
            )
        if handler.stream_unary is not None:
            return grpc.stream_unary_rpc_method_handler(
                HandlerWrapping._unary(handler.stream_unary, around), de, ser
            )
        if handler.unary_stream is not None:
            return grpc.unary_stream_rpc_method_handler(
                HandlerWrapping._streaming(handler.unary_stream, around), de, ser
            )
        assert handler.stream_stream is not None
        return grpc.stream_stream_rpc_method_handler(
            HandlerWrapping._streaming(handler.stream_stream, around), de, ser
        )

    @staticmethod
    def _unary(
        inner: Callable[[Any, grpc.ServicerContext], Any], around: Around
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def behaviour(request: Any, context: grpc.ServicerContext) -> Any:
            with around(context):
                return inner(request, context)

        return behaviour

    @staticmethod
    def _streaming(
        inner: Callable[[Any, grpc.ServicerContext], Iterator[Any]], around: Around
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def behaviour(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            with around(context):
                yield from inner(request, context)

        return behaviour


class WrappingInterceptor(InterceptorBase):
    """An interceptor that runs each call's behaviour inside a context of its choosing."""

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """The next handler, wrapped in :meth:`around` (unchanged when that gives None)."""
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        around = self.around(handler, handler_call_details)
        return handler if around is None else HandlerWrapping.wrap(handler, around)

    @abstractmethod
    def around(self, handler: Handler, details: grpc.HandlerCallDetails) -> Around | None:
        """The context the call runs in, or None to let it through untouched."""
