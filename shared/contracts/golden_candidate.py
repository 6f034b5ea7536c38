"""A reviewer's correction, proposed for the golden dataset. A person approves it before it joins data/golden/."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.extraction import Extraction


class FieldCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    before: Any
    after: Any


class GoldenCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    candidate_id: str
    mail_id: str
    tenant: str
    trace_id: str
    prompt: str
    prompt_version: str
    sender: str = Field(description="redacted: placeholders such as <PERSON_1> stand for personal data")
    subject: str
    body: str
    received_date: str
    proposed: Extraction
    corrected: Extraction
    corrections: list[FieldCorrection]
    reviewer: str
    created_at: datetime
    status: Literal["pending", "approved", "rejected"] = "pending"
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    golden_id: str | None = Field(default=None, description="the g-NNNN id it was given when approved")
