"""The echo agent: one deterministic CRM action per accepted mail, so the pipeline can be proven end to end."""

import hashlib

from shared.contracts.crm import CrmAction, CrmWriteRequest, CrmWriteRequestMessage
from shared.contracts.mail import AcceptedMail


def tool_call_id(mail_id: str, action: CrmAction) -> str:
    """Deterministic, so a redelivered mail asks for the same call and the tool can recognise it."""
    return "call-" + hashlib.sha256(f"{mail_id}\x00{action}".encode()).hexdigest()[:20]


def plan_echo(mail: AcceptedMail, summary_chars: int) -> CrmWriteRequestMessage:
    body = mail.payload
    summary = f"{body.subject}\n\n{body.body_text}".strip()[:summary_chars]
    action = CrmAction.LOG_INTERACTION
    request = CrmWriteRequest(
        call_id=tool_call_id(mail.mail_id, action),
        action=action,
        customer_address=body.sender,
        summary=summary,
    )
    return CrmWriteRequestMessage(tenant=mail.tenant, mail_id=mail.mail_id, payload=request)
