"""One chat completion: read the prompt and the mail, then answer as JSON for a schema, as a tool call, or as a
short text. Deterministic: the same request gives byte-identical content."""

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from standins.reference_model import MODEL_ID
from standins.reference_model.extraction import Reading, read_mail
from standins.reference_model.judging import is_judge_schema, judge
from standins.reference_model.mail_text import read_request, user_text
from standins.reference_model.planning import observed_calls, plan, trusted_context
from standins.reference_model.prompt_guides import PromptGuides, read_guides
from standins.reference_model.schema_fill import SchemaUnsatisfiable, fill
from standins.reference_model.tokens import count_tokens

_FALLBACKS = {"intent": ("other",), "crm_action": ("log_interaction", "none")}


class BadRequest(ValueError):
    """A request the OpenAI protocol (or this reference model) refuses, with the error fields to send back."""

    def __init__(self, message: str, *, status: int = 400, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.code, self.param = status, code, param


@dataclass(frozen=True)
class Turn:
    messages: list[dict[str, str]]
    schema: dict[str, Any] | None
    tools: list[dict[str, Any]]
    tool_choice: Any


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: only text is understood
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    if content is None:
        return ""
    raise BadRequest("message content must be a string or a list of content parts", param="messages")


def parse_turn(body: dict[str, Any]) -> Turn:
    if body.get("stream"):
        raise BadRequest("streaming is not supported by the reference model; send stream=false", param="stream")
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise BadRequest("messages must be a non-empty list", param="messages")
    messages = []
    for message in raw:
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise BadRequest("each message needs a role and content", param="messages")
        messages.append({"role": message["role"], "content": _text(message.get("content"))})
    schema = None
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if not isinstance(schema, dict):
            raise BadRequest("response_format.json_schema.schema must be a JSON schema object",
                             param="response_format")
    elif response_format is not None and not (isinstance(response_format, dict)
                                              and response_format.get("type") in ("text", "json_object")):
        raise BadRequest("response_format must be text, json_object or json_schema", param="response_format")
    tools = body.get("tools") or []
    if not isinstance(tools, list) or any(not isinstance(t, dict) or "function" not in t for t in tools):
        raise BadRequest("tools must be a list of {type: function, function: {...}}", param="tools")
    return Turn(messages=messages, schema=schema, tools=tools, tool_choice=body.get("tool_choice"))


def _enum_safe(facts: dict[str, Any], schema: dict[str, Any], guides: PromptGuides) -> dict[str, Any]:
    """An intent or action outside the schema's enum falls back the same way an undefined one does."""
    properties = schema.get("properties", {})
    for name, fallbacks in _FALLBACKS.items():
        allowed = properties.get(name, {}).get("enum")
        if allowed and facts.get(name) not in allowed:
            usable = [f for f in fallbacks if f in allowed and (guides.defines(f) or f == fallbacks[-1])]
            facts[name] = usable[0] if usable else allowed[0]
    return facts


def _choose_tool(turn: Turn, action: str) -> dict[str, Any] | None:
    if turn.tool_choice == "none" or not turn.tools:
        return None
    functions: list[dict[str, Any]] = [tool["function"] for tool in turn.tools]
    if isinstance(turn.tool_choice, dict):
        wanted = (turn.tool_choice.get("function") or {}).get("name")
        named = [f for f in functions if f.get("name") == wanted]
        if not named:
            raise BadRequest(f"tool_choice names {wanted!r}, which is not in tools", param="tool_choice")
        return named[0]
    exact = [f for f in functions if f.get("name") == action]
    containing = [f for f in functions if action != "none" and action in str(f.get("name", ""))]
    if exact or containing:
        return (exact or containing)[0]
    return functions[0] if turn.tool_choice == "required" else None


def _summary(reading: Reading) -> str:
    parts = [f"Intent: {reading.intent}.", f"CRM action: {reading.crm_action}.",
             f"High stakes: {'yes' if reading.high_stakes else 'no'}."]
    if reading.requested_action:
        parts.append(f"Requested: {reading.requested_action}.")
    return " ".join(parts) + f" ({MODEL_ID}: rule-based reference, not a language model.)"


def request_id(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:24]


def _tool_calls(calls: list[tuple[str, dict[str, Any]]], digest: str) -> list[dict[str, Any]]:
    return [{"id": f"call_{digest[:12]}_{i}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)}}
            for i, (name, arguments) in enumerate(calls)]


def _planned(body: dict[str, Any], turn: Turn) -> dict[str, Any] | None:
    """Planning mode (planning.py): tools offered and a trusted context given; None otherwise."""
    context = trusted_context(user_text(turn.messages)) if turn.tools and turn.tool_choice != "none" else None
    if context is None:
        return None
    system = "\n".join(m["content"] for m in turn.messages if m["role"] in ("system", "developer"))
    calls = plan(turn.tools, context, observed_calls(body["messages"]), read_guides(system))
    digest = request_id(body)
    message: dict[str, Any] = {"role": "assistant", "content": None if calls else "The plan is finished."}
    if calls:
        message["tool_calls"] = _tool_calls(calls, digest)
    return _response(turn, message, "tool_calls" if calls else "stop", digest)


def _response(turn: Turn, message: dict[str, Any], finish: str, digest: str) -> dict[str, Any]:
    prompt_tokens = sum(count_tokens(m["content"]) + 4 for m in turn.messages)
    completion_tokens = count_tokens(message["content"] or json.dumps(message.get("tool_calls")))
    return {
        "id": f"chatcmpl-{digest}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_ID,
        "system_fingerprint": "mailspine-reference-rules-v1",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def complete(body: dict[str, Any]) -> dict[str, Any]:
    turn = parse_turn(body)
    planned = _planned(body, turn)
    if planned is not None:
        return planned
    mail = read_request(turn.messages)
    guides = read_guides(mail.system)
    reading = read_mail(mail, guides)
    facts = reading.as_facts()
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    digest = request_id(body)
    tool = _choose_tool(turn, reading.crm_action)
    try:
        if tool is None and turn.schema is not None and is_judge_schema(turn.schema):
            message["content"] = json.dumps(fill(turn.schema, judge(turn.messages)), ensure_ascii=False)
        elif tool is not None:
            parameters = tool.get("parameters") or {"type": "object", "properties": {}}
            arguments = fill(parameters, _enum_safe(dict(facts), parameters, guides))
            message["tool_calls"] = [{"id": f"call_{digest[:16]}", "type": "function",
                                      "function": {"name": tool["name"],
                                                   "arguments": json.dumps(arguments, ensure_ascii=False)}}]
            finish = "tool_calls"
        elif turn.schema is not None:
            value = fill(turn.schema, _enum_safe(facts, turn.schema, guides))
            message["content"] = json.dumps(value, ensure_ascii=False)
        else:
            message["content"] = _summary(reading)
    except SchemaUnsatisfiable as error:
        raise BadRequest(str(error), param="response_format" if tool is None else "tools") from None
    return _response(turn, message, finish, digest)
