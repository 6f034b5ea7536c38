"""An AgentRuntime over fakes of its ports, for unit tests of the run machine: a scripted planner, a rule-table
critic, tools that answer (or stay silent) in-process, an in-memory Redis, and an outbound side that records."""

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from redis.asyncio import Redis

from services.runtime.agent_runtime import AgentRuntime
from services.runtime.critic import AgentPolicy, CriticVerdict, Evidence, Verdict, load_policy
from services.runtime.memory import ThreadMemory
from services.runtime.planning import PlanInput, PlannedCall, PlanStep
from services.runtime.run_deps import RunDeps
from services.runtime.run_state import RunState
from services.runtime.run_store import RunStore
from services.runtime.settings import RuntimeSettings
from services.runtime.tool_executor import ToolExecutor
from shared.contracts.agent_run import AgentRunMessage, PromptUse
from shared.contracts.audit import AuditEvent
from shared.contracts.review import ReviewRequestMessage
from shared.contracts.tool_calls import ToolCallMessage, ToolCallResult, ToolCallStatus
from tests.support.memory_redis import MemoryRedis
from tests.support.runtime_inputs import StaticPrompts
from tests.support.scripted_model import ScriptedModel
from tests.unit.test_extraction_step import GOOD

PLAN_PROMPT = PromptUse(name="plan-actions", version="1.0.0", content_hash="h", label="production", arm="stable",
                        stale=False)


def calls(*pairs: tuple[str, dict[str, Any]]) -> tuple[PlannedCall, ...]:
    return tuple(PlannedCall(function, arguments) for function, arguments in pairs)


class ScriptedPlanner:
    """Plans from a script, one step per call; an exhausted script plans nothing (the run is finished)."""

    def __init__(self, *steps: tuple[PlannedCall, ...]) -> None:
        self.steps = list(steps)
        self.inputs: list[PlanInput] = []

    async def __call__(self, llm: Any, prompts: Any, plan_input: PlanInput) -> PlanStep:
        self.inputs.append(plan_input)
        planned = self.steps.pop(0) if self.steps else ()
        return PlanStep(planned, PLAN_PROMPT, "scripted", input_tokens=50, output_tokens=10)


class RuleCritic:
    """A verdict per function (allow unless told otherwise); records what it reviewed."""

    def __init__(self, **verdicts: Verdict) -> None:
        self.verdicts = verdicts
        self.reviewed: list[PlannedCall] = []

    async def __call__(self, call: PlannedCall, evidence: Evidence, policy: AgentPolicy) -> CriticVerdict:
        self.reviewed.append(call)
        verdict = self.verdicts.get(call.function, Verdict.ALLOW)
        return CriticVerdict(verdict, (f"rule for {call.function}: {verdict}",))


@dataclass
class Recorder:
    """The runs' outbound side, recorded."""

    audits: list[AuditEvent] = field(default_factory=list)
    reviews: list[ReviewRequestMessage] = field(default_factory=list)
    summaries: list[AgentRunMessage] = field(default_factory=list)
    dead_letters: list[str] = field(default_factory=list)

    async def audit(self, events: Sequence[AuditEvent]) -> None:
        self.audits.extend(events)

    async def review(self, message: ReviewRequestMessage) -> None:
        self.reviews.append(message)

    async def summary(self, message: AgentRunMessage) -> None:
        self.summaries.append(message)

    async def dead_letter(self, state: RunState, error_type: str, error: str) -> None:
        self.dead_letters.append(error_type)


Answer = Callable[[ToolCallMessage], dict[str, Any] | None]


@dataclass
class Tools:
    """Tool services in-process: each answers ok with its answer's output, or stays silent (a stopped service)."""

    answers: dict[str, Answer] = field(default_factory=dict)
    silent: set[str] = field(default_factory=set)
    sent: list[ToolCallMessage] = field(default_factory=list)
    runtime: AgentRuntime | None = None

    async def publish(self, service: str, message: ToolCallMessage) -> None:
        self.sent.append(message)
        if service in self.silent:
            return
        answer = self.answers.get(service, lambda _: {})
        output = answer(message) or {}
        result = ToolCallResult(call_id=message.payload.call_id, run_id=message.payload.run_id, tool=service,
                                status=ToolCallStatus.OK, output=output)
        assert self.runtime is not None
        asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(self.runtime.take_result(result)))  # type: ignore[union-attr]

    def calls_to(self, service: str) -> list[ToolCallMessage]:
        return [message for message in self.sent if message.payload.tool == service]


@dataclass
class Harness:
    runtime: AgentRuntime
    planner: ScriptedPlanner
    critic: RuleCritic
    tools: Tools
    out: Recorder
    redis: MemoryRedis

    async def settle(self) -> None:
        """Waits until no run has a task (each ended or paused for a person)."""
        for _ in range(1000):
            if self.runtime.scheduler.in_flight == 0:
                return
            await asyncio.sleep(0.01)
        raise AssertionError("runs still in flight")


def harness(planner: ScriptedPlanner, critic: RuleCritic | None = None, tools: Tools | None = None,
            redis: MemoryRedis | None = None, extraction: dict[str, Any] = GOOD, **settings: Any) -> Harness:
    redis = redis or MemoryRedis()
    tools = tools or Tools()
    critic = critic or RuleCritic()
    client = cast(Redis, redis)
    store = RunStore(client)
    out = Recorder()
    model = ScriptedModel(*[json.dumps(extraction)] * 20)
    runtime_settings = RuntimeSettings(**({"tool_deadline_seconds": 2.0, "consequential_result_grace_seconds": 0.5}
                                          | settings))
    deps = RunDeps(llm=model.client, prompts=StaticPrompts(), policy=load_policy(), store=store,
                   memory=ThreadMemory(client, keep_mails=10, ttl_seconds=60),
                   executor=ToolExecutor(store, tools.publish,
                                         timedelta(seconds=runtime_settings.consequential_result_grace_seconds)),
                   outbound=out, settings=runtime_settings,
                   plan=planner, critic=critic)
    runtime = AgentRuntime(deps)
    tools.runtime = runtime
    return Harness(runtime, planner, critic, tools, out, redis)
