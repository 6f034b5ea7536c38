"""tool.crm_writer.*: one CRM write, consequential (it needs an approval: the critic's or a person's)."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.crm import CrmAction


class WriteCrm(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    action: CrmAction
    customer_address: str = Field(min_length=3, max_length=320, description="placeholder or address")
    summary: str = Field(min_length=1, max_length=4000)
    order_id: str | None = Field(default=None, max_length=128)
    invoice_id: str | None = Field(default=None, max_length=128)
    amount: Decimal | None = Field(default=None, ge=0, description="refunds, disputes: the sum at stake")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    new_address: str | None = Field(default=None, max_length=500, description="update_address only")


class WriteCrmOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    idempotency_key: str
    published: bool = Field(description="false when this idempotency key was already written")
