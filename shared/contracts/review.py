"""Contracts of review.requests.v1 (a proposed action a person must approve, edit or reject) and
review.decisions.v1 (what the person decided; an edit carries the corrected facts)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.crm import CrmWriteRequest
from shared.contracts.envelope import Envelope
from shared.contracts.extraction import Extraction


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    proposed: CrmWriteRequest


class ReviewRequestMessage(Envelope[ReviewRequest]):
    pass


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision_id: str
    reviewer: str = Field(min_length=1)
    verdict: Literal["approve", "edit", "reject"]
    proposed: CrmWriteRequest = Field(description="what the agent proposed, as the reviewer saw it")
    corrected: Extraction | None = Field(default=None, description="the facts as the reviewer fixed them (edit)")
    comment: str | None = Field(default=None, max_length=2000)
    decided_at: datetime

    @model_validator(mode="after")
    def _an_edit_carries_its_correction(self) -> "ReviewDecision":
        if self.verdict == "edit" and self.corrected is None:
            raise ValueError("an edit must carry the corrected facts")
        return self


class ReviewDecisionMessage(Envelope[ReviewDecision]):
    pass
