from cli.trace_story import render_tree, spans_of


def _span(span_id: str, parent: str, name: str, start: int, attrs: dict[str, str]) -> dict:
    return {
        "traceId": "t1", "spanId": span_id, "parentSpanId": parent, "name": name,
        "startTimeUnixNano": str(start), "endTimeUnixNano": str(start + 2_500_000),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
    }


def _resource(service: str, spans: list[dict]) -> dict:
    return {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
            "scopeSpans": [{"spans": spans}]}


OTLP = {"result": {"resourceSpans": [
    _resource("runtime", [_span("b", "a", "mail.accepted.v1 process", 20, {})]),
    _resource("gateway", [_span("a", "", "mail.inbound.v1 process", 10, {"mailspine.mail.id": "m-1"})]),
    _resource("tool-crm-writer", [_span("c", "b", "tool.crm_writer.requests.v1 process", 30,
                                        {"mailspine.outcome": "written", "unlisted": "x"})]),
]}}


def test_spans_render_as_a_tree_across_services_with_key_attributes() -> None:
    lines = render_tree(spans_of(OTLP))
    assert len(lines) == 3
    assert lines[0].startswith("gateway") and "mailspine.mail.id=m-1" in lines[0]
    assert lines[1].startswith("  runtime")
    assert lines[2].startswith("    tool-crm-writer") and "mailspine.outcome=written" in lines[2]
    assert "unlisted" not in lines[2]
    assert "2.5 ms" in lines[0]
