"""Contracts of crm.writes.v1 and crm.acks.v1, and of a CRM write proposed to a person (review.requests.v1)."""

import hashlib
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope
from shared.contracts.extraction import Extraction
from shared.contracts.golden import CrmActionLabel


def crm_idempotency_key(mail_id: str, action: str) -> str:
    """The CRM may see a write more than once (at-least-once); this key lets it, and us, apply it once."""
    return hashlib.sha256(f"{mail_id}\x00{action}".encode()).hexdigest()[:32]


class CrmAction(StrEnum):
    """What the agent may do in the CRM: the label vocabulary's actions, minus "none" (which writes nothing).

    Spelled out, not derived, so that type checkers see the members; a unit test keeps it equal to the labels."""

    LOG_INTERACTION = CrmActionLabel.LOG_INTERACTION.value
    CREATE_REFUND_CASE = CrmActionLabel.CREATE_REFUND_CASE.value
    UPDATE_ADDRESS = CrmActionLabel.UPDATE_ADDRESS.value
    CREATE_LEAD = CrmActionLabel.CREATE_LEAD.value
    ESCALATE_LEGAL = CrmActionLabel.ESCALATE_LEGAL.value
    CANCEL_CONTRACT = CrmActionLabel.CANCEL_CONTRACT.value
    FLAG_INVOICE_DISPUTE = CrmActionLabel.FLAG_INVOICE_DISPUTE.value


class CrmWriteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    action: CrmAction
    customer_address: str
    summary: str = Field(max_length=4000)
    facts: Extraction | None = Field(default=None, description="what the extraction step found; may hold placeholders")


class CrmWrite(BaseModel):
    """Value of crm.writes.v1, key = idempotency key: the only message that carries a customer's real address
    (the CRM is the customer's own system of record); placeholders in its texts are revealed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str
    action: CrmAction
    customer_address: str
    customer_key: str | None = Field(default=None, description="the address's customer key (cust_...)")
    summary: str
    order_id: str | None = None
    invoice_id: str | None = None
    amount: Decimal | None = Field(default=None, description="refunds, disputes: the sum at stake")
    currency: str | None = None
    new_address: str | None = Field(default=None, description="update_address: the new postal address")
    facts: Extraction | None = Field(default=None, description="the extracted facts, placeholders revealed")


class CrmWriteMessage(Envelope[CrmWrite]):
    pass


class CrmAck(BaseModel):
    """Value of crm.acks.v1: the CRM's answer to one write. A rejection is an implicit evaluation signal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str
    action: str = Field(max_length=128, description="the write's action as the CRM received it (an unknown one is "
                                                    "rejected, and named here all the same)")
    accepted: bool
    reason: str | None = Field(default=None, max_length=2000, description="why the CRM refused the write")


class CrmAckMessage(Envelope[CrmAck]):
    pass
