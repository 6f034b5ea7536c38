"""Jaeger's OTLP JSON (``/api/v3``) as flat spans and as a tree: what `mailspine why` and the console's mail
page both draw."""

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Span:
    trace_id: str
    span_id: str
    parent_span_id: str
    service: str
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    children: list["Span"] = field(default_factory=list)

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6


def _attribute_value(value: dict[str, Any]) -> Any:
    if "intValue" in value:  # OTLP JSON carries 64-bit integers as strings
        return int(value["intValue"])
    if "arrayValue" in value:
        return [_attribute_value(item) for item in value["arrayValue"].get("values", [])]
    for kind in ("stringValue", "doubleValue", "boolValue"):
        if kind in value:
            return value[kind]
    return json.dumps(value)


def spans_of(otlp: dict[str, Any]) -> list[Span]:
    """Flatten Jaeger's OTLP JSON (``{"result": {"resourceSpans": [...]}}``) into spans."""
    spans = []
    for resource_spans in otlp.get("result", {}).get("resourceSpans", []):
        resource = {a["key"]: _attribute_value(a["value"]) for a in resource_spans["resource"].get("attributes", [])}
        for scope_spans in resource_spans.get("scopeSpans", []):
            for raw in scope_spans.get("spans", []):
                spans.append(Span(
                    trace_id=raw["traceId"],
                    span_id=raw["spanId"],
                    parent_span_id=raw.get("parentSpanId", ""),
                    service=str(resource.get("service.name", "?")),
                    name=raw["name"],
                    start_ns=int(raw["startTimeUnixNano"]),
                    end_ns=int(raw["endTimeUnixNano"]),
                    attributes={a["key"]: _attribute_value(a["value"]) for a in raw.get("attributes", [])},
                ))
    return spans


def build_tree(spans: list[Span]) -> list[Span]:
    by_id = {span.span_id: span for span in spans}
    roots: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start_ns):
        parent = by_id.get(span.parent_span_id)
        (parent.children if parent else roots).append(span)
    return roots
