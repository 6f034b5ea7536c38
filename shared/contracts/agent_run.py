"""Contract of agent.runs.v1: one summary per agent run, the online evaluator's input."""

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope


class PromptUse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    content_hash: str
    label: str
    arm: str = Field(description="stable or canary")
    stale: bool = Field(description="served from the last known registry state while the registry was unreachable")


class AgentRun(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    trace_id: str
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


class AgentRunMessage(Envelope[AgentRun]):
    pass
