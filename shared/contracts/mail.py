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


class AcceptedMailBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: str
    mailbox: str
    sender: str
    subject: str
    body_text: str
    received_at: datetime


class AcceptedMail(Envelope[AcceptedMailBody]):
    pass


class QuarantineReason(StrEnum):
    NOT_JSON = "not_json"
    SCHEMA_INVALID = "schema_invalid"
    OVERSIZE = "oversize"
    MIME_INVALID = "mime_invalid"


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
