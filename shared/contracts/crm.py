"""Contracts of the CRM-writer tool (tool.crm_writer.*) and of crm.writes.v1."""

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope
from shared.contracts.extraction import Extraction


def crm_idempotency_key(mail_id: str, action: str) -> str:
    """The CRM may see a write more than once (at-least-once); this key lets it, and us, apply it once."""
    return hashlib.sha256(f"{mail_id}\x00{action}".encode()).hexdigest()[:32]


class CrmAction(StrEnum):
    """What the agent may do in the CRM: the golden dataset's actions, minus "none" (which writes nothing)."""

    LOG_INTERACTION = "log_interaction"
    CREATE_REFUND_CASE = "create_refund_case"
    UPDATE_ADDRESS = "update_address"
    CREATE_LEAD = "create_lead"
    ESCALATE_LEGAL = "escalate_legal"
    CANCEL_CONTRACT = "cancel_contract"
    FLAG_INVOICE_DISPUTE = "flag_invoice_dispute"


class CrmWriteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    action: CrmAction
    customer_address: str
    summary: str = Field(max_length=4000)
    facts: Extraction | None = Field(default=None, description="what the extraction step found; may hold placeholders")


class CrmWriteRequestMessage(Envelope[CrmWriteRequest]):
    pass


class CrmWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str
    action: CrmAction
    customer_address: str
    summary: str
    facts: Extraction | None = Field(default=None, description="the extracted facts, placeholders revealed")


class CrmWriteMessage(Envelope[CrmWrite]):
    pass


class ToolOutcome(StrEnum):
    WRITTEN = "written"
    DUPLICATE = "duplicate"


class ToolResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    tool: str
    outcome: ToolOutcome
    idempotency_key: str


class ToolResultMessage(Envelope[ToolResult]):
    pass
