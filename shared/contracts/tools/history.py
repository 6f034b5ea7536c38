"""tool.history.*: the customer's record, open cases and past interactions, read from the CRM (read only).

What reaches the model is structure, never PII: the CRM's texts (names, addresses, case summaries written with
the values revealed) are left out, because the history tool holds no vault key to turn them into placeholders.
Addresses appear as customer keys, cases and interactions as action, time, ids and amounts."""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from shared.customer_keys import CUSTOMER_KEY_PATTERN


class LookupCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_key: str = Field(pattern=CUSTOMER_KEY_PATTERN, description="the customer's pseudonymous key "
                              "(cust_...), as the accepted mail's address_keys name it")


class CustomerRecord(BaseModel):
    """What the model may see of a CRM record: keys and ids, never a name or an address (the history tool holds
    no vault key, so it could not turn them into placeholders; it leaves them out)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_key: str = Field(pattern=CUSTOMER_KEY_PATTERN)
    customer_id: str = Field(description="the CRM's own id of the customer")
    address_keys: list[str] = Field(description="the customer keys of the e-mail addresses on record (never the "
                                    "addresses): a reply may go to any address whose key is here")
    tier: str | None = None


class OpenCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    action: str
    opened_at: datetime
    amount: Decimal | None = None
    currency: str | None = None
    order_id: str | None = None
    invoice_id: str | None = None


class Interaction(BaseModel):
    """One write the CRM accepted for this customer; its text is left out (it holds revealed PII)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    action: str
    mail_id: str | None = Field(default=None, description="the mail it came from, when Mailspine wrote it")


class LookupCustomerOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    found: bool
    customer: CustomerRecord | None = None
    open_cases: list[OpenCase] = Field(default_factory=list)
    interactions: list[Interaction] = Field(default_factory=list)
