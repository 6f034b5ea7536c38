"""Judge mode: asked for a verdict on a candidate extraction (a schema with score and the *_correct flags), the
reference model reads the mail with its own extraction rules and the judge prompt's guides, and compares.

This is a self-consistency check against the reference rules, not an independent judgement: see MODEL_CARD.md.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from standins.reference_model.extraction import Reading, read_mail
from standins.reference_model.mail_text import labelled_blocks, read_request, user_text
from standins.reference_model.prompt_guides import read_guides

JUDGE_FIELDS = frozenset({"score", "intent_correct", "crm_action_correct", "high_stakes_correct"})
DECISIVE = ("intent", "crm_action", "high_stakes")
_SCORE_BY_WRONG = {1: 3, 2: 2, 3: 1}
_RATIONALE_CHARS = 400
_SPACES = re.compile(r"\s+")


def is_judge_schema(schema: dict[str, Any]) -> bool:
    return set(schema.get("properties", {})) >= JUDGE_FIELDS


@dataclass(frozen=True)
class ValueCheck:
    unsupported: list[str]  # candidate values the reading does not hold, as the candidate wrote them
    missing: list[str]  # values of the reading the candidate left out


def _norm(value: Any) -> str:
    return _SPACES.sub(" ", str(value)).strip().lstrip("#").strip().casefold()


def _values(facts: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, value as written) for every checkable value: names, ids, amounts as "<value> <currency>", dates."""
    found = [(name, str(facts[name])) for name in ("customer_name", "company") if facts.get(name)]
    for name in ("order_ids", "invoice_ids", "dates"):
        found += [(name, str(item)) for item in facts.get(name) or [] if item]
    for amount in facts.get("amounts") or []:
        if isinstance(amount, dict):
            found.append(("amounts", f"{amount.get('value')} {amount.get('currency')}"))
    return found


def check_values(candidate: dict[str, Any], reading: Reading) -> ValueCheck:
    expected = {(name, _norm(value)) for name, value in _values(reading.as_facts())}
    offered = _values(candidate)
    offered_keys = {(name, _norm(value)) for name, value in offered}
    return ValueCheck(unsupported=[value for name, value in offered if (name, _norm(value)) not in expected],
                      missing=[value for name, value in _values(reading.as_facts())
                               if (name, _norm(value)) not in offered_keys])


def candidate_extraction(messages: list[dict[str, str]]) -> dict[str, Any] | None:
    """The JSON object in the block labelled as the extraction (else the last block after the body)."""
    blocks = labelled_blocks(user_text(messages))
    named = [text for label, text in blocks.items() if "extraction" in label or "candidate" in label]
    others = [text for label, text in blocks.items() if label not in ("from", "sender", "subject", "body")]
    text = (named or others or [""])[0]
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(value, dict) or any(name not in value for name in DECISIVE):
        return None
    return value


def _unusable() -> dict[str, Any]:
    return {"score": 1, "intent_correct": False, "crm_action_correct": False, "high_stakes_correct": False,
            "unsupported_values": [], "rationale": "The candidate extraction is unusable: not a JSON object with "
                                                    "intent, crm_action and high_stakes."}


def _rationale(candidate: dict[str, Any], reading: Reading, wrong: list[str], check: ValueCheck) -> str:
    expected = reading.as_facts()
    parts = [f"{name} is {json.dumps(candidate.get(name))}, the mail reads as {json.dumps(expected[name])}"
             for name in wrong]
    if "high_stakes" in wrong and len(reading.reasons) > 1:
        parts.append(f"high-stakes signals: {', '.join(reading.reasons[1:])}")
    if check.unsupported:
        parts.append(f"not supported by the mail: {', '.join(check.unsupported)}")
    if check.missing:
        parts.append(f"missing: {', '.join(check.missing)}")
    text = "; ".join(parts) + "." if parts else "Every field matches the mail."
    return text if len(text) <= _RATIONALE_CHARS else text[: _RATIONALE_CHARS - 1] + "…"


def judge(messages: list[dict[str, str]]) -> dict[str, Any]:
    """The verdict, by the rubric's scores: 5 all right, 4 minor field errors only, 3/2/1 by decisive errors."""
    candidate = candidate_extraction(messages)
    if candidate is None:
        return _unusable()
    mail = read_request(messages)
    reading = read_mail(mail, read_guides(mail.system))
    expected = reading.as_facts()
    wrong = [name for name in DECISIVE if candidate.get(name) != expected[name]]
    check = check_values(candidate, reading)
    if wrong:
        score = _SCORE_BY_WRONG[len(wrong)]
    else:
        score = 4 if check.unsupported or check.missing else 5
    return {"score": score, "intent_correct": "intent" not in wrong, "crm_action_correct": "crm_action" not in wrong,
            "high_stakes_correct": "high_stakes" not in wrong, "unsupported_values": check.unsupported,
            "rationale": _rationale(candidate, reading, wrong, check)}
