"""What the planner shows the model: the trusted context (facts, sender, policy, memory) as JSON, the mail only
inside its spotlight markers, and each earlier call of the run as a tool-call turn with its result.

Tool results that carry text first written by someone outside (history excerpts, subjects, summaries) are
spotlighted too: to the model they are data, like the mail."""

import json
from typing import Any

from services.runtime.critic.policy import AgentPolicy
from services.runtime.planning.steps import Observation, PlanInput
from shared.spotlight import spotlight, truncate

# observation output fields whose text came from mail, so they reach the model only spotlighted
UNTRUSTED_TEXT_FIELDS = frozenset({"excerpt", "subject", "summary"})


def customer_key(plan_input: PlanInput) -> str | None:
    """The sender's pseudonymous customer key, when the gateway added address_keys (tolerated absent)."""
    payload = plan_input.mail.payload
    keys = getattr(payload, "address_keys", None) or {}
    key = keys.get(payload.sender_address)
    return str(key) if key else None


def trusted_context(plan_input: PlanInput, policy: AgentPolicy) -> dict[str, Any]:
    payload, facts = plan_input.mail.payload, plan_input.facts
    rule = policy.rule(facts.intent)
    return {
        "tenant": plan_input.mail.tenant,
        "sender": payload.sender_address,
        "customer_key": customer_key(plan_input),
        "message_id": payload.message_id,
        "facts": facts.model_dump(mode="json"),
        "policy": {"crm_actions": [str(action) for action in rule.crm_actions],
                   "reply_to_sender": rule.reply and not facts.high_stakes},
        "memory": plan_input.memory,
    }


def prompt_variables(plan_input: PlanInput, policy: AgentPolicy, max_body_chars: int = 20_000) -> dict[str, Any]:
    payload = plan_input.mail.payload
    body, _ = truncate(payload.body, max_body_chars)
    return {
        "begin_marker": payload.spotlight.begin,
        "end_marker": payload.spotlight.end,
        "datamark": payload.spotlight.datamark,
        "received_date": payload.received_at.date().isoformat(),
        "context": json.dumps(trusted_context(plan_input, policy), ensure_ascii=False, indent=1),
        "sender": payload.sender,
        "subject": payload.subject,
        "body": body,
    }


def _marked(value: Any, name: str | None = None) -> Any:
    if isinstance(value, dict):
        return {key: _marked(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [_marked(item, name) for item in value]
    if isinstance(value, str) and name in UNTRUSTED_TEXT_FIELDS:
        return spotlight(value)
    return value


def observation_turns(observations: tuple[Observation, ...]) -> list[dict[str, Any]]:
    """Each earlier call as the OpenAI protocol records one: the assistant's tool call, then the tool's answer."""
    turns: list[dict[str, Any]] = []
    for index, seen in enumerate(observations):
        call_id = f"obs_{index}"
        turns.append({"role": "assistant", "content": None,
                      "tool_calls": [{"id": call_id, "type": "function",
                                      "function": {"name": seen.function,
                                                   "arguments": json.dumps(seen.arguments, ensure_ascii=False)}}]})
        result = {"status": seen.status, "output": _marked(seen.output), "reason": seen.reason}
        turns.append({"role": "tool", "tool_call_id": call_id, "content": json.dumps(result, ensure_ascii=False)})
    return turns
