"""Contract of audit.log.v1: every decision, proposed action and executed tool call, hash-chained."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEvent(BaseModel):
    """One link of a chain. ``hash`` covers every other field, ``previous_hash`` included, so removing or
    editing an event breaks every later link of its chain (one chain per producing process)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chain_id: str
    sequence: int
    actor: str
    action: str
    mail_id: str | None
    tenant: str | None
    trace_id: str | None
    detail: dict[str, Any]
    at: datetime
    previous_hash: str
    hash: str
