"""tool.email_sender.*: send one reply through the organisation's relay; consequential (needs an approval)."""

from pydantic import BaseModel, ConfigDict, Field


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
