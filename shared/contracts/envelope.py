"""The envelope every Mailspine message travels in: ids, schema version, tenant, timestamps, payload."""

import uuid
from datetime import UTC, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

PayloadT = TypeVar("PayloadT", bound=BaseModel)


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[PayloadT]):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex, description="unique per message")
    schema_version: int = Field(default=1, ge=1, le=1)
    tenant: str = Field(min_length=1, max_length=128)
    mail_id: str = Field(min_length=1, max_length=128, description="the mail this message is about")
    created_at: datetime = Field(default_factory=_now)
    payload: PayloadT
