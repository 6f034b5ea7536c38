"""The echo agent: one deterministic CRM action per accepted mail, so the pipeline can be proven end to end."""

import hashlib

from shared.contracts.crm import CrmAction, CrmWriteRequest, CrmWriteRequestMessage
from shared.contracts.mail import AcceptedMail
from shared.contracts.review import ReviewRequest, ReviewRequestMessage
from shared.errors import DeadLetter
from shared.spotlight import is_spotlighted, unmark


def tool_call_id(mail_id: str, action: CrmAction) -> str:
    """Deterministic, so a redelivered mail asks for the same call and the tool can recognise it."""
    return "call-" + hashlib.sha256(f"{mail_id}\x00{action}".encode()).hexdigest()[:20]


def require_spotlighted(mail: AcceptedMail) -> None:
    """The runtime only ever handles untrusted text that the gateway delimited and datamarked."""
    for name in ("sender", "subject", "body"):
        if not is_spotlighted(getattr(mail.payload, name)):
            raise DeadLetter(f"mail {mail.mail_id}: field {name} reached the runtime without spotlighting")


def plan_echo(mail: AcceptedMail, summary_chars: int) -> CrmWriteRequestMessage:
    body = mail.payload
    summary = f"{unmark(body.subject)}\n\n{unmark(body.body)}".strip()[:summary_chars]
    action = CrmAction.LOG_INTERACTION
    request = CrmWriteRequest(
        call_id=tool_call_id(mail.mail_id, action),
        action=action,
        customer_address=body.sender_address,  # a vault placeholder; only the CRM writer can reveal it
        summary=summary,
    )
    return CrmWriteRequestMessage(tenant=mail.tenant, mail_id=mail.mail_id, payload=request)


def review_request(mail: AcceptedMail, proposed: CrmWriteRequestMessage) -> ReviewRequestMessage:
    reason = (f"the gateway flagged possible prompt injection (score {mail.payload.guardrail.score}; "
              f"{', '.join(mail.payload.guardrail.rule_hits) or 'classifier'})")
    return ReviewRequestMessage(tenant=mail.tenant, mail_id=mail.mail_id,
                                payload=ReviewRequest(reason=reason, proposed=proposed.payload))
