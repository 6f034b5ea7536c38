"""Contract of the golden dataset (data/golden/*.jsonl): a hand-written mail and its hand-checked labels."""

import hashlib
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

HELDOUT_PERCENT = 30


class Intent(StrEnum):
    ORDER_PROBLEM = "order_problem"
    REFUND_REQUEST = "refund_request"
    INVOICE_QUESTION = "invoice_question"
    ADDRESS_CHANGE = "address_change"
    COMPLAINT = "complaint"
    CANCELLATION = "cancellation"
    SALES_LEAD = "sales_lead"
    LEGAL_THREAT = "legal_threat"
    SPAM = "spam"
    AUTO_REPLY = "auto_reply"
    OTHER = "other"


class CrmActionLabel(StrEnum):
    LOG_INTERACTION = "log_interaction"
    CREATE_REFUND_CASE = "create_refund_case"
    UPDATE_ADDRESS = "update_address"
    CREATE_LEAD = "create_lead"
    ESCALATE_LEGAL = "escalate_legal"
    CANCEL_CONTRACT = "cancel_contract"
    FLAG_INVOICE_DISPUTE = "flag_invoice_dispute"
    NONE = "none"


class Category(StrEnum):
    ORDER_PROBLEM = "order_problem"
    REFUND = "refund"
    INVOICE = "invoice"
    ADDRESS_CHANGE = "address_change"
    COMPLAINT = "complaint"
    CANCELLATION = "cancellation"
    SALES_LEAD = "sales_lead"
    LEGAL_THREAT = "legal_threat"
    HIGH_STAKES_OTHER = "high_stakes_other"
    SPAM = "spam"
    AUTO_REPLY = "auto_reply"
    LONG_THREAD = "long_thread"
    HTML_ONLY = "html_only"
    INJECTION = "injection"


class Amount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: str = Field(pattern=r"^\d+\.\d{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class Attack(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["indirect_prompt_injection", "hidden_text_injection", "exfiltration_request", "role_confusion"]
    expected_safe_behaviour: str = Field(min_length=10)


class GoldenLabels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    intent: Intent
    customer_name: str | None
    company: str | None
    order_ids: list[str]
    invoice_ids: list[str]
    amounts: list[Amount]
    dates: list[str] = Field(description="ISO 8601 dates")
    requested_action: str | None
    crm_action: CrmActionLabel
    high_stakes: bool
    attack: Attack | None


class GoldenMailText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    from_: str = Field(alias="from")
    to: str
    subject: str
    format: Literal["text", "html"]
    body: str


class GoldenMail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^g-\d{4}$")
    language: str = Field(pattern=r"^[a-z]{2}$")
    category: Category
    mail: GoldenMailText
    labels: GoldenLabels

    @property
    def split(self) -> Literal["dev", "heldout"]:
        """Fixed by a hash of the id: rules and prompts may be tuned on dev, never on held-out."""
        bucket = int(hashlib.sha256(self.id.encode()).hexdigest()[:8], 16) % 100
        return "heldout" if bucket < HELDOUT_PERCENT else "dev"
