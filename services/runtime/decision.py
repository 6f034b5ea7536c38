"""The critic's first rule set: what happens to a mail once its facts are extracted.

A mail the gateway flagged, or that the model judged high-stakes, goes to a human before anything is done;
a mail with no genuine request (spam, auto-replies) gets no CRM action; everything else becomes one CRM write.
The offline eval scores the same decision, so "high-stakes recall" and "unsafe actions" measure what runs.
"""

from dataclasses import dataclass
from enum import StrEnum

from shared.contracts.extraction import Extraction
from shared.contracts.golden import CrmActionLabel
from shared.contracts.mail import AcceptedMailBody


class Route(StrEnum):
    CRM = "crm"
    HUMAN_REVIEW = "human_review"
    NO_ACTION = "no_action"


@dataclass(frozen=True)
class Decision:
    route: Route
    action: CrmActionLabel
    reason: str


def decide(mail: AcceptedMailBody, extraction: Extraction) -> Decision:
    if mail.requires_human_review:
        reason = (f"the gateway flagged possible prompt injection (score {mail.guardrail.score}; "
                  f"{', '.join(mail.guardrail.rule_hits) or 'classifier'})")
        return Decision(Route.HUMAN_REVIEW, extraction.crm_action, reason)
    if extraction.high_stakes:
        return Decision(Route.HUMAN_REVIEW, extraction.crm_action,
                        f"high stakes ({extraction.intent}); a person decides before {extraction.crm_action}")
    if extraction.crm_action == CrmActionLabel.NONE:
        return Decision(Route.NO_ACTION, extraction.crm_action, f"no genuine request ({extraction.intent})")
    return Decision(Route.CRM, extraction.crm_action, f"{extraction.intent} -> {extraction.crm_action}")
