"""Action-check mode: when the response schema asks whether a proposed call serves the mail's genuine request
(a `serves_genuine_request` property, as prompts/critic-action/ does), the model compares the call with the
trusted facts and re-reads the mail for instructions addressed to it (MODEL_CARD.md, "Action check").

Like judge mode, a self-consistency check, not an independent one: it knows the rules the planner follows."""

import re
from typing import Any

from standins.reference_model.injection import find_injection
from standins.reference_model.mail_text import read_request, user_text
from standins.reference_model.planning import json_after
from standins.reference_model.prompt_guides import read_guides

_FACTS_LABEL = re.compile(r"^\s*Trusted facts \(JSON[^\n]*:\s*$", re.MULTILINE | re.IGNORECASE)
_CALL_LABEL = re.compile(r"^\s*Proposed call \(JSON[^\n]*:\s*$", re.MULTILINE | re.IGNORECASE)


def is_action_check_schema(schema: dict[str, Any]) -> bool:
    return "serves_genuine_request" in (schema.get("properties") or {})


def check_action(messages: list[dict[str, str]]) -> dict[str, Any]:
    text = user_text(messages)
    facts, call = json_after(_FACTS_LABEL, text), json_after(_CALL_LABEL, text)
    if facts is None or call is None:
        return {"serves_genuine_request": False, "reason": "no trusted facts or no proposed call to check"}
    mail = read_request(messages)
    if read_guides(mail.system).mail_is_data and find_injection(f"{mail.subject}\n\n{mail.full_body}").found:
        return {"serves_genuine_request": False, "reason": "the mail carries instructions addressed to the model"}
    arguments = call.get("arguments") or {}
    if call.get("function") == "write_crm" and arguments.get("action") != facts.get("crm_action"):
        return {"serves_genuine_request": False,
                "reason": f"the facts call for {facts.get('crm_action')}, not {arguments.get('action')}"}
    if call.get("function") == "send_reply" and arguments.get("to") != facts.get("sender"):
        return {"serves_genuine_request": False, "reason": "the reply does not go to the mail's sender"}
    return {"serves_genuine_request": True, "reason": f"{call.get('function')} follows the facts of the request"}
