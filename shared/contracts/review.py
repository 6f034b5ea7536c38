"""Contract of review.requests.v1: a proposed action that a person must approve, edit or reject."""

from pydantic import BaseModel, ConfigDict

from shared.contracts.crm import CrmWriteRequest
from shared.contracts.envelope import Envelope


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    proposed: CrmWriteRequest


class ReviewRequestMessage(Envelope[ReviewRequest]):
    pass
