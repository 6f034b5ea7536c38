"""The one place that knows the shape of review.requests.v1 and review.decisions.v1: a request as the queue shows
it (proposed calls with their arguments and the critic's reasons, the extracted facts), and a reviewer's verdict
as a decision message. When the contracts gain fields, only this module changes."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from shared.contracts.extraction import Extraction
from shared.contracts.review import Lookup, ReviewDecision, ReviewDecisionMessage, ReviewRequestMessage
from shared.contracts.tool_calls import arguments_hash

Verdict = Literal["approve", "edit", "reject"]
# facts a reviewer may correct, one form field each; lists are edited as comma-separated text
EDITABLE_FACTS = ("intent", "customer_name", "company", "order_ids", "invoice_ids", "dates", "requested_action",
                  "crm_action", "high_stakes")


class DecisionRefused(Exception):
    """The reviewer's input cannot become a decision; the message says what to fix."""


@dataclass(frozen=True)
class ProposedCall:
    tool: str
    call_id: str
    arguments: dict[str, Any]
    critic_reasons: list[str]
    arguments_hash: str | None = None  # None for the workflow runtime's CRM write (approved by its facts)


@dataclass(frozen=True)
class ReviewItem:
    request_id: str
    tenant: str
    mail_id: str
    created_at: datetime
    reason: str
    calls: list[ProposedCall]
    facts: dict[str, Any]
    message: ReviewRequestMessage
    lookups: tuple[Lookup, ...] = ()  # what the agent looked up before it asked (its retrieval hits)

    @classmethod
    def from_message(cls, message: ReviewRequestMessage) -> "ReviewItem":
        """Either the agent's proposed calls (with arguments, their hash and the critic's reasons) or the workflow
        runtime's one CRM write with its facts."""
        request = message.payload
        calls = [ProposedCall(tool=c.function, call_id=c.call_id, arguments=dict(c.arguments),
                              critic_reasons=list(c.reasons) or [request.reason], arguments_hash=c.arguments_hash)
                 for c in request.calls]
        facts_model = request.evidence.facts if request.evidence else None
        if request.proposed is not None:
            proposed = request.proposed
            calls.append(ProposedCall(tool="crm_writer", call_id=proposed.call_id,
                                      arguments=proposed.model_dump(mode="json", exclude={"facts", "call_id"}),
                                      critic_reasons=[request.reason]))
            facts_model = proposed.facts or facts_model
        facts = facts_model.model_dump(mode="json") if facts_model else {}
        return cls(request_id=message.id, tenant=message.tenant, mail_id=message.mail_id,
                   created_at=message.created_at, reason=request.reason, calls=calls, facts=facts, message=message,
                   lookups=tuple(request.evidence.lookups) if request.evidence else ())

    @property
    def edits_arguments(self) -> bool:
        """The agent's call is edited by its arguments; the workflow's CRM write by its facts."""
        return self.message.payload.proposed is None and bool(self.calls)

    def editable(self) -> list[tuple[str, str]]:
        """(field, the proposed value as the form shows it)."""
        if self.edits_arguments:
            return [(name, field_text(value)) for name, value in self.calls[0].arguments.items()
                    if isinstance(value, str | int | float | bool | list) or value is None]
        return [(name, field_text(self.facts.get(name))) for name in EDITABLE_FACTS if name in self.facts]

    def proposed_value(self, name: str) -> Any:
        return self.calls[0].arguments.get(name) if self.edits_arguments else self.facts.get(name)


def field_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(field_text(v) for v in value)
    if isinstance(value, dict):  # an amount: its value and currency
        return " ".join(field_text(v) for v in value.values() if v is not None)
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _parsed(name: str, text: str, proposed: Any) -> Any:
    text = text.strip()
    if isinstance(proposed, list):
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(proposed, bool):
        if text.lower() not in {"true", "false"}:
            raise DecisionRefused(f"{name}: write true or false, not {text!r}")
        return text.lower() == "true"
    return text or None


def edits_of(item: ReviewItem, form: dict[str, str]) -> dict[str, tuple[Any, Any]]:
    """field -> (proposed, edited) for each field the reviewer changed."""
    changed = {}
    for name, shown in item.editable():
        if name in form and form[name].strip() != shown:
            proposed = item.proposed_value(name)
            changed[name] = (proposed, _parsed(name, form[name], proposed))
    return changed


def build_decision(item: ReviewItem, reviewer: str, verdict: Verdict, edits: dict[str, tuple[Any, Any]],
                   comment: str | None) -> ReviewDecisionMessage:
    if verdict == "edit" and not edits:
        raise DecisionRefused("nothing was changed: approve the proposal as it is, or change a field")
    if verdict == "reject" and not (comment or "").strip():
        raise DecisionRefused("say why you reject the proposal: the reason goes with the decision")
    if item.edits_arguments:
        return _call_decision(item, reviewer, verdict, edits, comment)
    corrected = None
    if verdict == "edit":
        try:
            corrected = Extraction.model_validate({**item.facts, **{k: new for k, (_, new) in edits.items()}})
        except ValidationError as invalid:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in invalid.errors())
            raise DecisionRefused(f"the edited facts are not valid: {problems}") from None
    decision = ReviewDecision(decision_id=uuid.uuid4().hex, reviewer=reviewer, verdict=verdict,
                              proposed=item.message.payload.proposed, corrected=corrected,
                              comment=(comment or "").strip() or None, decided_at=datetime.now(UTC))
    return ReviewDecisionMessage(tenant=item.tenant, mail_id=item.mail_id, payload=decision)


def _call_decision(item: ReviewItem, reviewer: str, verdict: Verdict, edits: dict[str, tuple[Any, Any]],
                   comment: str | None) -> ReviewDecisionMessage:
    """A decision on the agent's first proposed call, bound to the hash of the arguments approved."""
    call = item.calls[0]
    edited = {**call.arguments, **{name: new for name, (_, new) in edits.items()}} if verdict == "edit" else None
    approved_hash = arguments_hash(edited) if edited is not None else call.arguments_hash
    decision = ReviewDecision(decision_id=uuid.uuid4().hex, reviewer=reviewer, verdict=verdict, call_id=call.call_id,
                              arguments_hash=approved_hash if verdict != "reject" else None,
                              edited_arguments=edited, comment=(comment or "").strip() or None,
                              decided_at=datetime.now(UTC))
    return ReviewDecisionMessage(tenant=item.tenant, mail_id=item.mail_id, payload=decision)
