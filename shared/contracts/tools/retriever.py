"""tool.retriever.*: search the tenant's mail history (read only; the history indexer writes it)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.customer_keys import CUSTOMER_KEY_PATTERN


class SearchHistory(BaseModel):
    """Arguments: a hybrid (vector plus keyword) search within the caller's tenant."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str = Field(min_length=1, max_length=2000, description="what to look for, in the mail's own words")
    customer_key: str | None = Field(default=None, pattern=CUSTOMER_KEY_PATTERN,
                                     description="only this customer's mail: the customer key (cust_...)")
    since: datetime | None = Field(default=None, description="only mail received at or after this time")
    limit: int = Field(default=5, ge=1, le=20)


class HistoryHit(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mail_id: str
    thread_id: str | None
    customer_key: str | None = Field(description="the sender's customer key (cust_...), never an address")
    subject: str
    excerpt: str = Field(description="redacted text: placeholders, never values")
    intent: str | None
    crm_action: str | None = Field(default=None, description="what the agent recorded in the CRM for that mail")
    outcome: str | None
    received_at: datetime
    score: float


class SearchHistoryOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    hits: list[HistoryHit]
    index_version: str = Field(description="the index the hits came from; run summaries carry it")
