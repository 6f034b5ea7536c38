"""Turns a tool request into the CRM write and the tool result."""

from shared.contracts.crm import (
    CrmWrite,
    CrmWriteMessage,
    CrmWriteRequestMessage,
    ToolOutcome,
    ToolResult,
    ToolResultMessage,
    crm_idempotency_key,
)
from shared.contracts.extraction import Extraction

TOOL_NAME = "crm_writer"


def crm_write_for(request: CrmWriteRequestMessage, customer_address: str,
                  facts: Extraction | None = None) -> CrmWriteMessage:
    """The write the CRM receives: the only message in the system that carries the customer's real address."""
    call = request.payload
    write = CrmWrite(
        idempotency_key=crm_idempotency_key(request.mail_id, call.action),
        action=call.action,
        customer_address=customer_address,
        summary=call.summary,
        facts=facts,
    )
    return CrmWriteMessage(tenant=request.tenant, mail_id=request.mail_id, payload=write)


def tool_result_for(request: CrmWriteRequestMessage, outcome: ToolOutcome) -> ToolResultMessage:
    result = ToolResult(
        call_id=request.payload.call_id,
        tool=TOOL_NAME,
        outcome=outcome,
        idempotency_key=crm_idempotency_key(request.mail_id, request.payload.action),
    )
    return ToolResultMessage(tenant=request.tenant, mail_id=request.mail_id, payload=result)
