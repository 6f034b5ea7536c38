"""One mail's trace from Jaeger's /api/v3 as waterfall rows (depth, offset and width as shares of the trace) and
the attributes a reviewer or an SRE looks for first: prompt versions, guardrail and critic verdicts, tool calls."""

from dataclasses import dataclass
from typing import Any

import httpx

from shared.tracing import attributes
from shared.tracing.otlp_spans import Span, build_tree, spans_of

# shown on the span's row; the full set is in Jaeger
KEY_ATTRIBUTES = (
    attributes.PROMPT_NAME, attributes.PROMPT_VERSION, attributes.PROMPT_LABEL, attributes.PROMPT_ARM,
    attributes.GEN_AI_REQUEST_MODEL, "mailspine.guardrail.verdict", "mailspine.guardrail.score",
    "mailspine.critic.verdict", "mailspine.critic.reasons", attributes.TOOL_NAME, attributes.TOOL_CALL_ID,
    attributes.OUTCOME, attributes.QUARANTINE_REASON, "mailspine.agent.intent", "mailspine.agent.crm_action",
    "mailspine.agent.high_stakes", attributes.EVAL_JUDGE_SCORE,
)


class TraceUnavailable(Exception):
    """Jaeger did not answer; the page says so and shows what the console itself knows."""


@dataclass(frozen=True)
class WaterfallRow:
    span: Span
    depth: int
    offset: float  # percent of the trace's duration
    width: float
    notes: dict[str, Any]


async def fetch_spans(jaeger: httpx.AsyncClient, trace_id: str) -> list[Span]:
    try:
        response = await jaeger.get(f"/api/v3/traces/{trace_id}")
    except httpx.HTTPError as exc:
        raise TraceUnavailable(f"Jaeger's query API at {jaeger.base_url} is not reachable ({exc})") from None
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        raise TraceUnavailable(f"Jaeger answered {response.status_code} for trace {trace_id}")
    return spans_of(response.json())


def waterfall(spans: list[Span]) -> list[WaterfallRow]:
    if not spans:
        return []
    start = min(s.start_ns for s in spans)
    total = max(max(s.end_ns for s in spans) - start, 1)
    rows: list[WaterfallRow] = []

    def walk(span: Span, depth: int) -> None:
        notes = {key: span.attributes[key] for key in KEY_ATTRIBUTES if key in span.attributes}
        rows.append(WaterfallRow(span, depth, 100 * (span.start_ns - start) / total,
                                 max(100 * (span.end_ns - span.start_ns) / total, 0.3), notes))
        for child in span.children:
            walk(child, depth + 1)

    for root in build_tree(spans):
        walk(root, 0)
    return rows


def highlights(spans: list[Span]) -> dict[str, list[str]]:
    """What the trace says about the decisions, one line each, in time order."""
    found: dict[str, list[str]] = {"prompt versions": [], "guardrail": [], "critic": [], "tool calls": []}
    for span in sorted(spans, key=lambda s: s.start_ns):
        a = span.attributes
        if attributes.PROMPT_VERSION in a:
            line = f"{a.get(attributes.PROMPT_NAME, '?')}@{a[attributes.PROMPT_VERSION]}"
            extra = " ".join(str(a[k]) for k in (attributes.PROMPT_LABEL, attributes.PROMPT_ARM) if k in a)
            found["prompt versions"].append(f"{line} {extra}".strip())
        if "mailspine.guardrail.verdict" in a:
            score = a.get("mailspine.guardrail.score")
            found["guardrail"].append(f"{a['mailspine.guardrail.verdict']} (score {score})")
        if "mailspine.critic.verdict" in a:
            reasons = a.get("mailspine.critic.reasons", [])  # the runtime's critic span: a list of reasons
            reasons = "; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons)
            found["critic"].append(f"{a['mailspine.critic.verdict']}: {reasons}".rstrip(": "))
        elif span.name == "agent.run" and attributes.OUTCOME in a:  # the policy's route, until the critic says more
            found["critic"].append(f"route {a[attributes.OUTCOME]}")
        if attributes.TOOL_NAME in a:
            found["tool calls"].append(f"{a[attributes.TOOL_NAME]} {a.get(attributes.TOOL_CALL_ID, '')} "
                                       f"({span.service}: {span.name})")
    return {key: list(dict.fromkeys(lines)) for key, lines in found.items()}
