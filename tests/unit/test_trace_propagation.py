from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.broker.jaeger_bridge import restate_jaeger_context

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_jaeger_uber_trace_id_becomes_a_w3c_traceparent_with_the_same_trace_id() -> None:
    headers = {"uber-trace-id": f"{TRACE_ID}:00f067aa0ba902b7:0:1"}
    restate_jaeger_context(headers)
    assert headers["traceparent"] == f"00-{TRACE_ID}-00f067aa0ba902b7-01"
    context = TraceContextTextMapPropagator().extract(headers)
    assert len(context) == 1


def test_an_existing_w3c_traceparent_wins_over_uber_trace_id() -> None:
    w3c = f"00-{'1' * 32}-{'2' * 16}-01"
    headers = {"traceparent": w3c, "uber-trace-id": f"{TRACE_ID}:00f067aa0ba902b7:0:1"}
    restate_jaeger_context(headers)
    assert headers["traceparent"] == w3c


def test_headers_without_trace_context_are_left_alone() -> None:
    headers = {"mailspine-source-id": "mx"}
    restate_jaeger_context(headers)
    assert headers == {"mailspine-source-id": "mx"}
