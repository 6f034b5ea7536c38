"""The state of one agent run, kept in Redis between steps: whatever a restarted runtime needs to go on where the
run was, without asking the model again for a step it already planned or a tool again for a call it already made."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.agent_run import PromptUse
from shared.contracts.audit import AuditEvent
from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMail
from shared.contracts.tool_calls import Approval


class RunPhase(StrEnum):
    EXTRACT = "extract"
    PLAN = "plan"
    EXECUTE = "execute"
    AWAIT_REVIEW = "await_review"
    DONE = "done"


class TerminalState(StrEnum):
    COMPLETED = "completed"  # the planner asked for nothing more
    FAILED = "failed"  # no valid extraction
    ITERATION_LIMIT = "iteration_limit"
    TOOL_CALL_LIMIT = "tool_call_limit"
    TOKEN_LIMIT = "token_limit"  # noqa: S105 (a state, not a secret)
    TIME_LIMIT = "time_limit"


CallStatus = Literal["planned", "reviewing", "approved", "sent", "done"]


class ObservedResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str  # ok | refused | failed | expired | denied | rejected
    output: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = None


class StepCall(BaseModel):
    """One planned call and how far it got."""

    model_config = ConfigDict(extra="forbid")

    call_id: str
    function: str
    service: str
    arguments: dict[str, Any]
    arguments_hash: str
    consequential: bool
    status: CallStatus = "planned"
    approval: Approval | None = None
    reasons: list[str] = Field(default_factory=list)
    deadline: datetime | None = None
    result: ObservedResult | None = None


class AuditCursor(BaseModel):
    """The run's own audit chain: one chain per run, so `mailspine audit MAIL_ID` can verify it alone."""

    model_config = ConfigDict(extra="forbid")

    chain_id: str
    sequence: int = 0
    previous_hash: str = "0" * 64


class ExtractionRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: Extraction
    model: str
    attempts: int
    reply: str | None


class RunState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mail: AcceptedMail
    sequence: int = Field(description="arrival order in this runtime: resumed runs keep their thread's order")
    source: tuple[str, int, int] | None = Field(default=None, description="topic, partition, offset of the mail")
    trace_carrier: dict[str, str] = Field(default_factory=dict, description="the run's span, W3C headers")
    sampling: str | None = Field(default=None, description="the gateway's evaluation-sampling baggage")
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    phase: RunPhase = RunPhase.EXTRACT
    step: int = 0
    extraction: ExtractionRecord | None = None
    failure: str | None = None
    prompts: list[PromptUse] = Field(default_factory=list)
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    tool_calls: int = 0
    memory: dict[str, Any] = Field(default_factory=dict)
    calls: list[StepCall] = Field(default_factory=list, description="the current step's calls")
    history: list[StepCall] = Field(default_factory=list, description="the calls of finished steps")
    review_requested: bool = False
    review_started_ns: int | None = None
    human_reviewed: bool = False
    terminal: TerminalState | None = None
    audit: AuditCursor
    audit_outbox: list[AuditEvent] = Field(default_factory=list, description="recorded, not yet published")

    @property
    def mail_id(self) -> str:
        return self.mail.mail_id

    @property
    def thread_id(self) -> str:
        return self.mail.payload.thread_id or self.mail.mail_id

    def finished_calls(self) -> list[StepCall]:
        return [call for call in (*self.history, *self.calls) if call.result is not None]

    def use_prompt(self, prompt: PromptUse) -> None:
        names = [known.name for known in self.prompts]
        if prompt.name in names:  # the extract prompt stays first: the evaluator scores the run by it
            self.prompts[names.index(prompt.name)] = prompt
        else:
            self.prompts.append(prompt)
