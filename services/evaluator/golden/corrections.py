"""A reviewer's correction as data: which extracted fields changed, and the golden-dataset candidate it proposes.

Pure functions, no broker and no Redis, so the comparison rules are unit-tested on their own.
"""

import hashlib
from collections import Counter
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from shared.contracts.agent_run import RunEvidence
from shared.contracts.extraction import Extraction
from shared.contracts.golden import Amount
from shared.contracts.golden_candidate import FieldCorrection, GoldenCandidate
from shared.contracts.review import ReviewDecisionMessage

SCALAR_FIELDS = ("intent", "customer_name", "company", "requested_action", "crm_action", "high_stakes")
# compared as multisets: the model's order carries no meaning, a repeated value does
LIST_FIELDS = ("order_ids", "invoice_ids", "dates")


class RunIdentity(Protocol):
    """What a candidate needs to know about the run it corrects (ScoredRun has it)."""

    @property
    def trace_id(self) -> str: ...

    @property
    def prompt(self) -> str: ...

    @property
    def prompt_version(self) -> str: ...


def _amount_key(amount: Amount) -> tuple[Decimal, str]:
    return Decimal(amount.value), amount.currency


def _amount_texts(amounts: list[Amount]) -> list[str]:
    # the offline eval compares amounts in this form too
    return [f"{amount.value} {amount.currency}" for amount in sorted(amounts, key=_amount_key)]


def _scalar(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def field_corrections(proposed: Extraction, corrected: Extraction) -> list[FieldCorrection]:
    """One correction per field that differs, in the contract's field order. Scalars keep their values (enums
    as their strings); lists are shown whole, sorted, before and after, so a reordering is no correction."""
    changes: list[FieldCorrection] = []
    for name in Extraction.model_fields:
        before, after = getattr(proposed, name), getattr(corrected, name)
        if name in SCALAR_FIELDS:
            if before != after:
                changes.append(FieldCorrection(field=name, before=_scalar(before), after=_scalar(after)))
        elif name in LIST_FIELDS:
            if Counter(before) != Counter(after):
                changes.append(FieldCorrection(field=name, before=sorted(before), after=sorted(after)))
        elif name == "amounts":
            if Counter(map(_amount_key, before)) != Counter(map(_amount_key, after)):
                changes.append(FieldCorrection(field=name, before=_amount_texts(before), after=_amount_texts(after)))
        else:
            raise AssertionError(f"Extraction.{name} has no comparison rule")  # a new field must choose one
    return changes


def candidate_id_for(decision_id: str) -> str:
    """The same decision, however often delivered, proposes the same candidate."""
    return "gc-" + hashlib.sha256(f"golden-candidate\x00{decision_id}".encode()).hexdigest()[:20]


def candidate_from(decision_message: ReviewDecisionMessage, evidence: RunEvidence,
                   run: RunIdentity) -> GoldenCandidate | None:
    """The golden-dataset candidate a decision proposes, or None when it corrects nothing: no corrected facts
    (an approval, or a rejection without them), nothing to compare with, or the same facts again.

    Corrected facts count whatever the verdict: a reviewer who rejects the action may still fix the facts."""
    decision = decision_message.payload
    proposed = (decision.proposed.facts if decision.proposed is not None else None) or evidence.facts
    if decision.corrected is None or proposed is None:
        return None
    corrections = field_corrections(proposed, decision.corrected)
    if not corrections:
        return None
    return GoldenCandidate(
        candidate_id=candidate_id_for(decision.decision_id), mail_id=decision_message.mail_id,
        tenant=decision_message.tenant, trace_id=run.trace_id, prompt=run.prompt, prompt_version=run.prompt_version,
        sender=evidence.sender, subject=evidence.subject, body=evidence.body, received_date=evidence.received_date,
        proposed=proposed, corrected=decision.corrected, corrections=corrections, reviewer=decision.reviewer,
        # from the decision, not the clock: a redelivered decision yields an identical candidate
        created_at=decision.decided_at,
    )
