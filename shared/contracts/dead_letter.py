"""Contract of every ``<topic>.dlq.v1``: the original message, its headers, and why it failed."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DeadLetterRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_topic: str
    partition: int
    offset: int
    consumer_group: str
    error_type: str
    error: str
    attempts: int
    original_headers: dict[str, str]
    original_b64: str | None
    original_size: int
    failed_at: datetime
