"""Contracts of the CRM-writer tool (tool.crm_writer.*) and of crm.writes.v1."""

import hashlib
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope


def crm_idempotency_key(mail_id: str, action: str) -> str:
    """The CRM may see a write more than once (at-least-once); this key lets it, and us, apply it once."""
    return hashlib.sha256(f"{mail_id}\x00{action}".encode()).hexdigest()[:32]


class CrmAction(StrEnum):
    LOG_INTERACTION = "log_interaction"


class CrmWriteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    action: CrmAction
    customer_address: str
    summary: str = Field(max_length=4000)


class CrmWriteRequestMessage(Envelope[CrmWriteRequest]):
    pass


class CrmWrite(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str
    action: CrmAction
    customer_address: str
    summary: str


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
