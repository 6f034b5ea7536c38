"""Deterministic checks the online evaluator runs on a sampled agent run, beside the LLM judge. Pure, no I/O.

- ``schema_check``: the model's raw reply is JSON that matches the prompt's output schema and the contract.
- ``grounding_check``: every copied value in the facts (names, ids, amounts, dates) is written in the mail.
"""

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jsonschema
from pydantic import ValidationError

from services.evaluator.scoring.grounding import (
    amount_values,
    date_mentions,
    find_amount,
    find_date,
    find_id,
    find_text,
    fold,
    visible_text,
)
from shared.contracts.extraction import Extraction


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    detail: dict[str, Any] = field(default_factory=dict)


def schema_check(reply: str | None, output_schema: dict[str, Any]) -> CheckResult:
    """Passed when the reply parses as JSON, validates against the output schema, then against Extraction.

    On failure, detail["error"] is one of no_reply, not_json, schema, contract, with the first problem's
    path ("amounts/0/value") and message; for the schema, the error jsonschema ranks most relevant, as the
    runtime reports it to the model."""
    if not reply:
        return CheckResult(False, {"error": "no_reply"})
    try:
        data = json.loads(reply)
    except json.JSONDecodeError as error:
        return CheckResult(False, {"error": "not_json", "message": error.msg, "position": error.pos})
    errors = list(jsonschema.Draft202012Validator(output_schema).iter_errors(data))
    if errors:
        first = jsonschema.exceptions.best_match(errors)
        return CheckResult(False, {"error": "schema", "path": "/".join(map(str, first.absolute_path)),
                                   "message": first.message, "errors": len(errors)})
    try:
        Extraction.model_validate(data)
    except ValidationError as error:
        first_problem = error.errors()[0]
        return CheckResult(False, {"error": "contract", "path": "/".join(map(str, first_problem["loc"])),
                                   "message": first_problem["msg"], "errors": error.error_count()})
    return CheckResult(True, {})


def _received_year(received_date: str | None) -> int | None:
    try:
        return date.fromisoformat(received_date).year if received_date else None
    except ValueError:
        return None


def grounding_check(facts: Extraction | None, sender: str, subject: str, body: str,
                    received_date: str | None = None) -> CheckResult | None:
    """Passed when every copied value of the facts is written in sender, subject or body (HTML stripped).

    Checked: customer_name, company, order_ids, invoice_ids, amounts (on value, any currency sign or format)
    and dates (by day and month, and year when the text gives one). Not checked: intent, requested_action,
    crm_action, high_stakes, which are judgements. Returns None when facts is None: a run without valid facts
    has nothing to ground, and the schema check already fails it.

    detail: checked (values looked at), grounded, ungrounded ({field: [values]}, only fields with misses) and
    loose ({field: [values]}: names found word by word, dates found without a year). received_date
    (YYYY-MM-DD) restricts dates written without a year to that year; without it they match any year.
    """
    if facts is None:
        return None
    source = "\n".join((sender, subject, visible_text(body)))
    folded = fold(source)
    amounts, dates = amount_values(source), date_mentions(source)
    year = _received_year(received_date)
    candidates: list[tuple[str, str, str | None]] = [
        *[(name, value, find_text(value, folded)) for name, value in
          (("customer_name", facts.customer_name), ("company", facts.company)) if value],
        *[("order_ids", value, find_id(value, folded)) for value in facts.order_ids],
        *[("invoice_ids", value, find_id(value, folded)) for value in facts.invoice_ids],
        *[("amounts", f"{amount.value} {amount.currency}", find_amount(amount.value, amounts))
          for amount in facts.amounts],
        *[("dates", value, find_date(value, dates, year)) for value in facts.dates],
    ]
    ungrounded: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for name, value, how in candidates:
        if how is None:
            ungrounded.setdefault(name, []).append(value)
        elif how in ("words", "no_year"):
            loose.setdefault(name, []).append(value)
    missed = sum(map(len, ungrounded.values()))
    detail: dict[str, Any] = {"checked": len(candidates), "grounded": len(candidates) - missed}
    if ungrounded:
        detail["ungrounded"] = ungrounded
    if loose:
        detail["loose"] = loose
    return CheckResult(missed == 0, detail)
