"""Contract of agent.runs.v1: one summary per agent run, the online evaluator's input."""

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope
from shared.contracts.extraction import Extraction


class PromptUse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    content_hash: str
    label: str
    arm: str = Field(description="stable or canary")
    stale: bool = Field(description="served from the last known registry state while the registry was unreachable")


class RunEvidence(BaseModel):
    """What the model saw and said, for the evaluator's checks and judge. Redacted text only (placeholders such
    as <PERSON_1>), without spotlight marks. Attached when the mail is sampled or goes to a person, whose
    corrections need the text to become golden-dataset candidates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: str
    subject: str
    body: str = Field(description="as sent to the model, after the runtime's length cap")
    received_date: str
    reply: str | None = Field(description="the model's last reply, verbatim; None when the endpoint gave none")
    facts: Extraction | None = Field(description="the validated facts; None when no reply was valid")
    attempts: int


class AgentRun(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trace_id: str
    span_id: str = Field(default="", description="the agent.run span, so a later signal can attach to it")
    prompts: list[PromptUse]
    model: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    outcome: str = Field(description="crm, human_review, no_action, or failed")
    intent: str | None
    crm_action: str | None
    high_stakes: bool | None
    sampled: bool = False
    index_version: str | None = Field(default=None, description="the retrieval index version, when one was used")
    evidence: RunEvidence | None = None
    terminal_state: str | None = Field(default=None, description="how the agent run ended: completed, failed, "
                                       "iteration_limit, tool_call_limit, token_limit, time_limit")
    tool_calls: int = Field(default=0, description="tool calls the run executed")


class AgentRunMessage(Envelope[AgentRun]):
    pass
