"""Times every RPC, labelled by method and final status code."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc

from fraudgraph.service.handler_wrapping import HandlerWrapping, InterceptorBase
from fraudgraph.service.service_metrics import ServiceMetrics


class MetricsInterceptor(InterceptorBase):
    """Outermost interceptor: sees every call, including the rejected ones."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """Wrap the handler with a timer."""
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method.rsplit("/", 1)[-1]
        return HandlerWrapping.wrap(handler, lambda ctx: self._timed(ctx, method))

    @contextmanager
    def _timed(self, context: grpc.ServicerContext, method: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            code = getattr(context, "code", lambda: None)() or grpc.StatusCode.OK
            name = code.name if isinstance(code, grpc.StatusCode) else str(code)
            self._metrics.rpc_latency.labels(method, name).observe(time.perf_counter() - started)
