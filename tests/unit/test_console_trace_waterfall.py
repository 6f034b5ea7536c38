from services.console.mail.trace_waterfall import highlights, waterfall
from shared.tracing.otlp_spans import spans_of


def _span(span_id: str, parent: str, name: str, start_ms: int, end_ms: int, attrs: dict[str, str]) -> dict:
    return {"traceId": "t1", "spanId": span_id, "parentSpanId": parent, "name": name,
            "startTimeUnixNano": str(start_ms * 1_000_000), "endTimeUnixNano": str(end_ms * 1_000_000),
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()]}


def _resource(service: str, spans: list[dict]) -> dict:
    return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"spans": spans}]}


OTLP = {"result": {"resourceSpans": [
    _resource("gateway", [_span("a", "", "mail.inbound.v1 process", 0, 40, {"mailspine.guardrail.verdict": "flag"})]),
    _resource("runtime", [_span("b", "a", "agent.run", 50, 100, {"mailspine.prompt.name": "extract-email",
                                                                  "mailspine.prompt.version": "1.0.2",
                                                                  "mailspine.prompt.arm": "canary",
                                                                  "gen_ai.tool.name": "crm_writer"})]),
]}}


def test_rows_are_nested_and_placed_as_shares_of_the_trace() -> None:
    gateway, runtime = waterfall(spans_of(OTLP))
    assert (gateway.depth, gateway.offset, gateway.width) == (0, 0.0, 40.0)
    assert (runtime.depth, runtime.offset, runtime.width) == (1, 50.0, 50.0)
    assert runtime.notes["mailspine.prompt.version"] == "1.0.2"


def test_the_decisions_are_read_off_the_spans() -> None:
    found = highlights(spans_of(OTLP))
    assert found["prompt versions"] == ["extract-email@1.0.2 canary"]
    assert found["guardrail"] == ["flag (score None)"]
    assert found["tool calls"][0].startswith("crm_writer")


def test_no_spans_no_rows() -> None:
    assert waterfall([]) == []


def test_the_critics_verdict_names_its_reasons() -> None:
    critic = _span("c", "b", "critic write_crm", 60, 70, {"mailspine.critic.verdict": "review"})
    critic["attributes"].append({"key": "mailspine.critic.reasons", "value": {"arrayValue": {"values": [
        {"stringValue": "high-stakes mail needs a person"}, {"stringValue": "the mail was flagged"}]}}})
    found = highlights(spans_of({"result": {"resourceSpans": [_resource("runtime", [critic])]}}))
    assert found["critic"] == ["review: high-stakes mail needs a person; the mail was flagged"]
