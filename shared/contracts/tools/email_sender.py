"""tool.email_sender.*: send one reply through the organisation's relay; consequential (needs an approval)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope


class SendReply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    to: str = Field(min_length=3, max_length=320, description="the mail's sender or an address on the CRM record")
    subject: str = Field(min_length=1, max_length=998)
    body: str = Field(min_length=1, max_length=20000, description="may hold placeholders; the sender re-hydrates")
    in_reply_to: str | None = Field(default=None, max_length=998, description="the Message-ID answered")


class SendReplyOutput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: str
    delivered_to: list[str] = Field(description="placeholders, as the agent named them")


class SentReply(BaseModel):
    """Value of mail.outbound.v1, key = mail id: one reply the email sender handed to the outbound relay. Like every
    topic but crm.writes.v1, it names people by placeholder; the relay received the revealed addresses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    message_id: str
    in_reply_to: str | None = None
    to: list[str] = Field(min_length=1, description="placeholders, as the agent named them")
    subject: str
    body: str = Field(description="as the agent wrote it, placeholders kept")
    sent_at: datetime


class SentReplyMessage(Envelope[SentReply]):
    pass
