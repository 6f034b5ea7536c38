"""Contracts of mail.inbound.v1, mail.accepted.v1 and mail.quarantine.v1."""

import hashlib
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope

# Kafka header names on mail.inbound.v1, set by the mail server (or `mailspine send`)
HEADER_SOURCE_ID = "mailspine-source-id"
HEADER_SIGNATURE = "mailspine-signature"
HEADER_TIMESTAMP = "mailspine-timestamp"
HEADER_IDEMPOTENCY_KEY = "mailspine-idempotency-key"


def mail_id_for(source_id: str, message_id: str) -> str:
    """Stable id of one mail: the same Message-ID from the same source is the same mail, however often sent."""
    digest = hashlib.sha256(f"{source_id}\x00{message_id}".encode()).hexdigest()
    return f"m-{digest[:24]}"


class RawMail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_id: str = Field(min_length=1, max_length=128)
    mailbox: str = Field(min_length=3, max_length=320, description="the recipient mailbox it was delivered to")
    message_id: str = Field(min_length=1, max_length=998)
    raw_b64: str = Field(description="the RFC 5322 message, base64")
    received_at: datetime


class InboundMail(Envelope[RawMail]):
    pass


class Spotlight(BaseModel):
    """How untrusted text was marked (Hines et al. 2024): delimiters, and the datamark that replaces spaces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str = "datamark"
    datamark: str
    begin: str
    end: str


class AttachmentInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    filename: str | None = Field(description="redacted like any other text")
    content_type: str
    size: int
    sha256: str


class GuardrailSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: str = Field(description="pass or flag (blocked mail never gets here)")
    score: float
    rule_hits: list[str]


class AcceptedMailBody(BaseModel):
    """Parsed, redacted, spotlighted mail. Text fields hold placeholders such as <EMAIL_1> instead of PII;
    the originals are sealed in the PII vault under the mail id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: str
    thread_id: str
    mailbox: str
    sender: str = Field(description="the From header, redacted and spotlighted")
    sender_address: str = Field(description="the placeholder of the sender's address, e.g. <EMAIL_1>")
    subject: str = Field(description="redacted and spotlighted")
    body: str = Field(description="redacted and spotlighted")
    spotlight: Spotlight
    attachments: list[AttachmentInfo]
    guardrail: GuardrailSummary
    requires_human_review: bool
    redacted_entities: dict[str, int] = Field(description="how many values of each PII type were redacted")
    address_keys: dict[str, str] = Field(default_factory=dict, description="the customer key (cust_...) of each "
                                         "e-mail placeholder, the sender's included: how tools name customers")
    received_at: datetime


class AcceptedMail(Envelope[AcceptedMailBody]):
    pass


class QuarantineReason(StrEnum):
    NOT_JSON = "not_json"
    INVALID_ENCODING = "invalid_encoding"
    SCHEMA_INVALID = "schema_invalid"
    OVERSIZE = "oversize"
    MIME_INVALID = "mime_invalid"
    TOO_MANY_PARTS = "too_many_parts"
    TOO_DEEP = "too_deep"
    UNSIGNED = "unsigned"
    FORGED_SIGNATURE = "forged_signature"
    EXPIRED = "expired"
    REPLAY = "replay"
    UNKNOWN_SOURCE = "unknown_source"
    UNAUTHORIZED = "unauthorized_mailbox"
    INJECTION_BLOCKED = "injection_blocked"


class QuarantineRecord(BaseModel):
    """A refused input. The original stays addressable by topic/partition/offset; small ones are copied too."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: QuarantineReason
    detail: str
    mail_id: str | None = None
    source_topic: str
    partition: int
    offset: int
    original_size: int
    original_sha256: str
    original_headers: dict[str, str]
    original_b64: str | None = Field(default=None, description="omitted above the copy limit; see offset")
    quarantined_at: datetime
