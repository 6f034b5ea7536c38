"""What a run needs, built once per process (app.py) or by a test: the model, prompts, planner and critic, the
store, memory, executor, and the outbound side (what a run publishes), each a narrow port."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import openai

from services.runtime.critic import AgentPolicy, CriticVerdict, Evidence, review_call
from services.runtime.memory import ThreadMemory
from services.runtime.planning import PlanInput, PlannedCall, PlanStep, plan_next
from services.runtime.prompt_resolver import PromptResolver
from services.runtime.run_state import RunState
from services.runtime.run_store import RunStore
from services.runtime.settings import RuntimeSettings
from services.runtime.tool_executor import ToolExecutor
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.audit import AuditEvent
from shared.contracts.review import ReviewRequestMessage

Planner = Callable[[openai.AsyncOpenAI, PromptResolver, PlanInput], Awaitable[PlanStep]]
Critic = Callable[[PlannedCall, Evidence, AgentPolicy], Awaitable[CriticVerdict]]


class RunOutbound(Protocol):
    """What a run publishes besides tool calls (those go through the executor)."""

    async def audit(self, events: Sequence[AuditEvent]) -> None: ...
    async def review(self, message: ReviewRequestMessage) -> None: ...
    async def summary(self, message: AgentRunMessage) -> None: ...
    async def dead_letter(self, state: RunState, error_type: str, error: str) -> None: ...


async def _critic(call: PlannedCall, evidence: Evidence, policy: AgentPolicy) -> CriticVerdict:
    return await review_call(call, evidence, policy)


@dataclass
class RunDeps:
    llm: openai.AsyncOpenAI
    prompts: PromptResolver
    policy: AgentPolicy
    store: RunStore
    memory: ThreadMemory
    executor: ToolExecutor
    outbound: RunOutbound
    settings: RuntimeSettings
    plan: Planner = plan_next
    critic: Critic = _critic
