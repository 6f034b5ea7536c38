"""Contracts of review.requests.v1 (proposed actions a person must approve, edit or reject) and
review.decisions.v1 (what the person decided; an edit carries the corrected facts or the edited arguments).

An approval is bound to the hash of the exact arguments the person saw (``arguments_hash``), so approved
arguments A can never execute arguments B: a decision whose hash does not match is refused by the runtime.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.crm import CrmWriteRequest
from shared.contracts.envelope import Envelope
from shared.contracts.extraction import Extraction


class ProposedCall(BaseModel):
    """One tool call the agent wants to make, waiting for a person."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    function: str = Field(description="the tool function, as in shared/contracts/tools/catalog.py")
    arguments: dict[str, Any]
    arguments_hash: str = Field(min_length=64, max_length=64, description="what an approval must name")
    reasons: list[str] = Field(default_factory=list, description="why the critic asks a person")


class Lookup(BaseModel):
    """A read-only call the run made before it asked a person (search_history, lookup_customer), with the result
    the agent saw: the retrieval hits a reviewer weighs the proposal against."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    function: str
    arguments: dict[str, Any]
    status: str = Field(description="ok | refused | failed | expired, as the tool answered")
    output: dict[str, Any] = Field(default_factory=dict, description="the tool's typed output (placeholders only)")
    reason: str | None = None


class ReviewEvidence(BaseModel):
    """What the critic looked at: the trusted facts, the CRM record, the thread's approved state; and what the agent
    looked up on its way (its retrieval hits)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    facts: Extraction | None = None
    crm_record: dict[str, Any] | None = None
    approved_state: dict[str, Any] = Field(default_factory=dict)
    lookups: list[Lookup] = Field(default_factory=list, description="the run's read-only calls, oldest first")


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str
    proposed: CrmWriteRequest | None = Field(default=None, description="the workflow runtime's one CRM write")
    calls: list[ProposedCall] = Field(default_factory=list, description="the agent's calls waiting for a person")
    evidence: ReviewEvidence | None = None


class ReviewRequestMessage(Envelope[ReviewRequest]):
    pass


class ReviewDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    decision_id: str
    reviewer: str = Field(min_length=1)
    verdict: Literal["approve", "edit", "reject"]
    proposed: CrmWriteRequest | None = Field(default=None, description="what the agent proposed, as the reviewer "
                                                                       "saw it (the workflow runtime's CRM write)")
    corrected: Extraction | None = Field(default=None, description="the facts as the reviewer fixed them (edit)")
    call_id: str | None = Field(default=None, description="the proposed call decided on")
    arguments_hash: str | None = Field(default=None, description="hash of the arguments approved: the proposed "
                                                                 "ones (approve) or the edited ones (edit)")
    edited_arguments: dict[str, Any] | None = Field(default=None, description="the call's arguments as edited")
    comment: str | None = Field(default=None, max_length=2000)
    decided_at: datetime

    @model_validator(mode="after")
    def _an_edit_carries_its_correction(self) -> "ReviewDecision":
        if self.verdict == "edit" and self.corrected is None and self.edited_arguments is None:
            raise ValueError("an edit must carry the corrected facts or the edited arguments")
        return self


class ReviewDecisionMessage(Envelope[ReviewDecision]):
    pass
