"""Times every RPC, labelled by method and final status code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import grpc

from fraudgraph.service.handler_wrapping import Around, Handler, WrappingInterceptor
from fraudgraph.service.service_metrics import ServiceMetrics


class MetricsInterceptor(WrappingInterceptor):
    """Outermost interceptor: sees every call, including the rejected ones."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self._metrics = metrics

    def around(self, handler: Handler, details: grpc.HandlerCallDetails) -> Around | None:
        """Wrap the handler with a timer."""
        method = details.method.rsplit("/", 1)[-1]
        return lambda ctx: self._timed(ctx, method)

    @contextmanager
    def _timed(self, context: grpc.ServicerContext, method: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            code = getattr(context, "code", lambda: None)() or grpc.StatusCode.OK
            name = code.name if isinstance(code, grpc.StatusCode) else str(code)
            self._metrics.rpc_latency.labels(method, name).observe(time.perf_counter() - started)
