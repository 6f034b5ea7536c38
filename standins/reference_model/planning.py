"""Planning mode: when a request offers tools and carries a trusted context (the JSON block after the line
"Trusted context (JSON):"), the model chooses the next tool calls by fixed rules (MODEL_CARD.md, "Planning").

Arguments come only from the trusted context and from the tool schemas it was given, filled by parameter name:
the spotlighted mail text is never read here, so no instruction in it can reach a call."""

import json
import re
from dataclasses import dataclass
from typing import Any

from standins.reference_model.prompt_guides import PromptGuides
from standins.reference_model.schema_fill import SchemaUnsatisfiable, fill

_CONTEXT_LABEL = re.compile(r"^\s*Trusted context \(JSON[^\n]*:\s*$", re.MULTILINE | re.IGNORECASE)
READS = ("search_history", "lookup_customer")
# statuses after which a consequential call must not be worked around: the plan finishes
STOPPING = frozenset({"denied", "refused", "rejected", "failed", "expired"})
_WORDS = {"order_problem": "order", "refund_request": "refund request", "invoice_question": "invoice question",
          "address_change": "address change", "complaint": "feedback", "cancellation": "cancellation",
          "sales_lead": "enquiry", "legal_threat": "letter", "other": "message"}


@dataclass(frozen=True)
class Observed:
    function: str
    status: str  # "ok", "denied", ...; "pending" when no tool answer followed the call


def trusted_context(user_text: str) -> dict[str, Any] | None:
    return json_after(_CONTEXT_LABEL, user_text)


def json_after(label_pattern: re.Pattern[str], user_text: str) -> dict[str, Any] | None:
    """The JSON object that follows a label line, or None."""
    label = label_pattern.search(user_text)
    if label is None:
        return None
    start = user_text.find("{", label.end())
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(user_text[start:])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def observed_calls(raw_messages: list[Any]) -> list[Observed]:
    """The calls earlier turns made (assistant tool_calls) and how each ended (the tool turn's status)."""
    names: dict[str, str] = {}
    statuses: dict[str, str] = {}
    for message in raw_messages:
        if not isinstance(message, dict):
            continue
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                names[str(call.get("id"))] = str(call["function"].get("name"))
        if message.get("role") == "tool":
            try:
                result = json.loads(message.get("content") or "{}")
            except json.JSONDecodeError:
                result = {}
            statuses[str(message.get("tool_call_id"))] = str(result.get("status", "ok")) \
                if isinstance(result, dict) else "ok"
    return [Observed(name, statuses.get(call_id, "pending")) for call_id, name in names.items()]


def _summary(facts: dict[str, Any]) -> str:
    parts = [f"{facts.get('intent')}: {facts.get('requested_action') or 'no explicit request'}."]
    for label, key in (("orders", "order_ids"), ("invoices", "invoice_ids"), ("dates", "dates")):
        if facts.get(key):
            parts.append(f"{label.capitalize()}: {', '.join(map(str, facts[key]))}.")
    if facts.get("amounts"):
        parts.append("Amounts: " + ", ".join(f"{a['value']} {a['currency']}" for a in facts["amounts"]) + ".")
    return " ".join(parts)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def claimed_amount(facts: dict[str, Any]) -> dict[str, str] | None:
    """The amount at stake: the one the requested action names, else the last one stated (a total usually
    follows the parts it adds up)."""
    amounts = [a for a in facts.get("amounts") or [] if isinstance(a, dict) and a.get("value")]
    if not amounts:
        return None
    asked = _digits(str(facts.get("requested_action") or ""))
    named = [a for a in amounts if asked and _digits(str(a["value"])).lstrip("0") in asked]
    return named[-1] if named else amounts[-1]


def _values(context: dict[str, Any]) -> dict[str, Any]:
    """Every argument value the rules may use, by parameter name, from the trusted context alone."""
    facts: dict[str, Any] = context.get("facts") or {}
    claimed = claimed_amount(facts)
    priced = facts.get("crm_action") in ("create_refund_case", "flag_invoice_dispute") and claimed
    orders, invoices = facts.get("order_ids") or [], facts.get("invoice_ids") or []
    topic = _WORDS.get(str(facts.get("intent")), "message")
    reference = f" ({orders[0]})" if orders else f" ({invoices[0]})" if invoices else ""
    return {
        "query": facts.get("requested_action") or f"{facts.get('intent')} {' '.join(orders + invoices)}".strip(),
        "customer_key": context.get("customer_key"), "customer_address": context.get("sender"),
        "limit": 5, "action": facts.get("crm_action"), "summary": _summary(facts),
        "order_id": orders[0] if orders else None, "invoice_id": invoices[0] if invoices else None,
        "amount": claimed["value"] if priced and claimed else None,
        "currency": claimed["currency"] if priced and claimed else None,
        "to": context.get("sender"), "subject": f"Your {topic}{reference}: received",
        "body": f"Thank you for your {topic}{reference}. We have recorded it and will come back to you; there "
                "is no need to write again.",
        "in_reply_to": context.get("message_id"),
    }


def _call(function: dict[str, Any], values: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    parameters = function.get("parameters") or {"type": "object", "properties": {}}
    try:
        return str(function["name"]), fill(parameters, {k: v for k, v in values.items() if v is not None})
    except SchemaUnsatisfiable:
        return None


def plan(tools: list[dict[str, Any]], context: dict[str, Any], observed: list[Observed],
         guides: PromptGuides) -> list[tuple[str, dict[str, Any]]]:
    """The next calls: the reads not yet made; then one write_crm; then one send_reply; else none (finished).
    A tool is used only when it is offered and the prompt's rules define it (a "- name: ..." line)."""
    offered = {str(t["function"].get("name")): t["function"] for t in tools}
    usable = {name: f for name, f in offered.items() if guides.defines(name)}
    facts, policy = context.get("facts") or {}, context.get("policy") or {}
    done = {o.function: o.status for o in observed}
    values = _values(context)
    if not facts or facts.get("crm_action") in (None, "none"):
        return []
    reads = [name for name in READS if name in usable and name not in done]
    # a read the context cannot fill (no customer key for a lookup) is skipped, not a reason to stop planning
    if reads and (calls := [c for c in (_call(usable[name], values) for name in reads) if c]):
        return calls
    if any(status in STOPPING for name, status in done.items() if name not in READS):
        return []
    if "write_crm" in usable and "write_crm" not in done and facts["crm_action"] in policy.get("crm_actions", []):
        return [c for c in [_call(usable["write_crm"], values)] if c]
    write_ok = done.get("write_crm") == "ok" or "write_crm" not in usable
    if "send_reply" in usable and "send_reply" not in done and policy.get("reply_to_sender") and write_ok:
        return [c for c in [_call(usable["send_reply"], values)] if c]
    return []
