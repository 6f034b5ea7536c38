"""Provenance: where an argument value can come from. A value found in the trusted facts, the CRM record, the
thread's approved state or the gateway's own fields (the sender's placeholder, the message id) is trusted; a
value found only in the untrusted mail text is tainted; a value found nowhere is unsupported (the model made it
up). The critic treats tainted and unsupported consequential values alike: never trusted."""

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from services.runtime.critic.verdict import Evidence
from shared.spotlight import unmark

# placeholders of values that are consequential wherever they appear in a call's text: bank details, e-mail
SENSITIVE_PLACEHOLDER = re.compile(r"<(?:IBAN|CARD|EMAIL)_\d+>")
RAW_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b")


class Origin(StrEnum):
    TRUSTED = "trusted"
    TAINTED = "tainted"  # only in the untrusted mail text
    UNSUPPORTED = "unsupported"  # in no source at all


def normalized(value: Any) -> str:
    text = str(value).strip()
    try:
        return str(Decimal(text.replace(",", "")).normalize())
    except (InvalidOperation, ValueError):
        return " ".join(text.split()).casefold()


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    elif value is not None and value != "":
        yield value


def trusted_values(evidence: Evidence) -> frozenset[str]:
    payload = evidence.mail.payload
    sources = [evidence.facts.model_dump(mode="json"), evidence.crm_record or {}, evidence.approved_state,
               [payload.sender_address, payload.message_id, payload.thread_id]]
    return frozenset(normalized(leaf) for source in sources for leaf in _leaves(source))


def mail_text(evidence: Evidence) -> str:
    payload = evidence.mail.payload
    return "\n".join(unmark(field) if field.startswith(payload.spotlight.begin) else field
                     for field in (payload.sender, payload.subject, payload.body))


def origin(value: Any, evidence: Evidence, trusted: frozenset[str] | None = None) -> Origin:
    if normalized(value) in (trusted if trusted is not None else trusted_values(evidence)):
        return Origin.TRUSTED
    text = mail_text(evidence)
    if str(value).strip() and (str(value).strip() in text or normalized(value) in " ".join(text.split()).casefold()):
        return Origin.TAINTED
    return Origin.UNSUPPORTED


def embedded_sensitive_values(text: str) -> list[str]:
    """Bank details and e-mail placeholders (or raw IBANs) inside a free-text argument."""
    return [*SENSITIVE_PLACEHOLDER.findall(text), *RAW_IBAN.findall(text)]
