"""Accept Jaeger's ``uber-trace-id`` header from older producers by restating it as W3C ``traceparent``.

FastStream's telemetry middleware reads only W3C headers, so this runs just outside it.
"""

from typing import Any

from faststream import BaseMiddleware
from opentelemetry.propagators.jaeger import JaegerPropagator
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_JAEGER = JaegerPropagator()
_W3C = TraceContextTextMapPropagator()


def restate_jaeger_context(headers: dict[str, Any]) -> None:
    """Add a ``traceparent`` equal to the ``uber-trace-id`` context, unless W3C context is already there."""
    if "traceparent" in headers or JaegerPropagator.TRACE_ID_KEY not in headers:
        return
    context = _JAEGER.extract(headers)
    _W3C.inject(headers, context=context)


class JaegerHeaderBridge(BaseMiddleware):
    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        restate_jaeger_context(msg.headers)
        return await call_next(msg)
