"""Reads one mail's trace from Jaeger's /api/v3 and renders it as a tree (the `mailspine why` command)."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.errors import UserError
from shared.settings import TracingSettings
from shared.tracing import attributes

# the attributes worth a glance in the tree; the full set is in Jaeger
KEY_ATTRIBUTES = (
    attributes.MAIL_ID, attributes.TENANT, attributes.OUTCOME, attributes.QUARANTINE_REASON,
    "mailspine.guardrail.verdict", "mailspine.guardrail.score", "mailspine.spotlight.verified",
    attributes.TOOL_NAME, attributes.IDEMPOTENCY_KEY, "messaging.destination.name",
    attributes.GEN_AI_REQUEST_MODEL, attributes.PROMPT_NAME, attributes.PROMPT_VERSION,
    # the agent: each model call, tool call, critic verdict and review wait
    attributes.GEN_AI_OPERATION_NAME, attributes.TOOL_CALL_ID, attributes.GEN_AI_USAGE_INPUT_TOKENS,
    attributes.GEN_AI_USAGE_OUTPUT_TOKENS, "mailspine.critic.verdict", "mailspine.critic.reasons",
    "mailspine.review.verdict", "mailspine.review.reviewer",
)


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


class JaegerQuery:
    def __init__(self, settings: TracingSettings | None = None) -> None:
        self.base_url = (settings or TracingSettings()).query_url

    def _get(self, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = httpx.get(f"{self.base_url}{path}", params=params, timeout=10)
        except httpx.HTTPError as exc:
            raise UserError(f"Jaeger's query API at {self.base_url} is unreachable ({exc}); "
                            "is `mailspine up` running?") from None
        if response.status_code == 404:
            return {}
        response.raise_for_status()
        trace: dict[str, Any] = response.json()
        return trace

    def raw_trace(self, trace_id: str) -> dict[str, Any]:
        """The trace exactly as Jaeger stores it (OTLP JSON): attributes, events, resources."""
        return self._get(f"/api/v3/traces/{trace_id}")

    def trace(self, trace_id: str) -> list[Span]:
        return spans_of(self.raw_trace(trace_id))

    def find_trace_ids(self, mail_id: str, *, service: str = "gateway", lookback: timedelta) -> list[str]:
        """Every trace of this mail, oldest first (a redelivered or re-sent mail has several).

        The HTTP API cannot filter on attributes, so this searches the service's recent traces."""
        now = datetime.now(UTC)
        found = self._get("/api/v3/traces", {
            "query.service_name": service,
            "query.start_time_min": (now - lookback).isoformat(),
            "query.start_time_max": (now + timedelta(minutes=1)).isoformat(),
            "query.num_traces": "10000",
        })
        first_seen: dict[str, int] = {}
        for span in spans_of(found):
            if span.attributes.get(attributes.MAIL_ID) == mail_id:
                first_seen[span.trace_id] = min(span.start_ns, first_seen.get(span.trace_id, span.start_ns))
        return sorted(first_seen, key=first_seen.__getitem__)


def build_tree(spans: list[Span]) -> list[Span]:
    by_id = {span.span_id: span for span in spans}
    roots: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start_ns):
        parent = by_id.get(span.parent_span_id)
        (parent.children if parent else roots).append(span)
    return roots


def render_tree(spans: list[Span]) -> list[str]:
    lines: list[str] = []

    def walk(span: Span, depth: int) -> None:
        keys = " ".join(f"{k}={span.attributes[k]}" for k in KEY_ATTRIBUTES if k in span.attributes)
        lines.append(f"{'  ' * depth}{span.service:<16} {span.name:<44} {span.duration_ms:8.1f} ms  {keys}".rstrip())
        for child in span.children:
            walk(child, depth + 1)

    for root in build_tree(spans):
        walk(root, 0)
    return lines
