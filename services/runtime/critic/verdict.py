"""What the critic decides about one proposed call, and the evidence it decides on."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMail


class Verdict(StrEnum):
    ALLOW = "allow"
    DENY = "deny"  # the run goes on without this call
    NEEDS_HUMAN = "needs_human"  # a person approves, edits or rejects it


# how strict each verdict is: a combination of checks keeps the strictest
_SEVERITY = {Verdict.ALLOW: 0, Verdict.NEEDS_HUMAN: 1, Verdict.DENY: 2}


@dataclass(frozen=True)
class CriticVerdict:
    verdict: Verdict
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    mail: AcceptedMail
    facts: Extraction
    crm_record: dict[str, Any] | None  # the history tool's LookupCustomerOutput as JSON, when looked up
    approved_state: dict[str, Any]  # from the thread memory: values approved earlier in the thread


def strictest(*verdicts: CriticVerdict) -> CriticVerdict:
    """The strictest verdict, with the reasons of every check that reached it (an allow keeps its own)."""
    worst = max((v.verdict for v in verdicts), key=_SEVERITY.__getitem__, default=Verdict.ALLOW)
    reasons = tuple(r for v in verdicts if v.verdict == worst for r in v.reasons)
    return CriticVerdict(worst, reasons)
