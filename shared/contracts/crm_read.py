"""The CRM's read API (``GET /v1/tenants/{tenant}/customers/{customer_key}``, ``POST .../customers/by-address``):
one customer record with its addresses, open cases and past interactions. Readers hold a bearer token with the
scope ``crm:read``. The record holds PII (names, addresses): a reader that talks to the model must strip it."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

CRM_READ_SCOPE = "crm:read"


class CrmAddress(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(description="an e-mail address on record")
    customer_key: str = Field(description="its customer key (cust_...)")


class CrmCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    action: str
    opened_at: datetime
    amount: Decimal | None = None
    currency: str | None = None
    order_id: str | None = None
    invoice_id: str | None = None
    summary: str


class CrmInteraction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    action: str
    summary: str
    mail_id: str | None = None


class CrmCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tenant: str
    customer_id: str
    customer_key: str = Field(description="the key of the customer's first address on record")
    name: str | None = None
    tier: str | None = None
    postal_address: str | None = None
    addresses: list[CrmAddress]
    open_cases: list[CrmCase]
    interactions: list[CrmInteraction] = Field(description="newest first")


class AddressLookup(BaseModel):
    """Body of ``POST .../customers/by-address``: a POST, so the address stays out of URLs and access logs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(min_length=3, max_length=320)
