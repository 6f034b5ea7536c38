"""Reads one mail's trace from Jaeger's /api/v3 and renders it as a tree (the `mailspine why` command)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.errors import UserError
from shared.settings import TracingSettings
from shared.tracing import attributes
from shared.tracing.otlp_spans import Span, build_tree, spans_of

__all__ = ["JaegerQuery", "Span", "render_tree", "spans_of"]  # Span and spans_of: re-exported for older callers

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
