"""tool.history.*: the customer's record, open cases and past interactions, read from the CRM (read only)."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class LookupCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_address: str = Field(min_length=3, max_length=320, description="a placeholder such as <EMAIL_1> "
                                  "or an address; the tool resolves it")


class CustomerRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: str
    display_name: str | None = Field(description="placeholder-safe: the tool never returns a raw name to the model")
    addresses: list[str] = Field(description="e-mail addresses on record; a reply may go to any of them")
    tier: str | None = None


class OpenCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    action: str
    opened_at: datetime
    amount: Decimal | None = None
    currency: str | None = None
    summary: str


class Interaction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    action: str
    summary: str


class LookupCustomerOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    found: bool
    customer: CustomerRecord | None = None
    open_cases: list[OpenCase] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
