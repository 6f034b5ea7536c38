"""The phases of a run, each a plain async function over the run state: extract the facts, plan the next calls,
execute them (read-only ones directly, consequential ones after the critic). Each leaves the state at its next
phase; the driver saves it between phases."""

import asyncio
from datetime import UTC, datetime, timedelta

from opentelemetry import trace

from services.runtime.agent import extract_step
from services.runtime.audit_trail import audit
from services.runtime.critic import CriticVerdict, Evidence, Verdict
from services.runtime.memory import approved_state
from services.runtime.planning import Observation, PlanInput, PlannedCall
from services.runtime.run_deps import RunDeps
from services.runtime.run_persistence import persist
from services.runtime.run_state import ExtractionRecord, ObservedResult, RunPhase, RunState, StepCall, TerminalState
from shared.contracts.tool_calls import Approval, arguments_hash, tool_call_id
from shared.contracts.tools.catalog import tool_by_function
from shared.errors import DeadLetter
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime.steps")


def end_run(state: RunState, terminal: TerminalState, reason: str) -> None:
    state.terminal, state.phase = terminal, RunPhase.DONE
    audit(state, "run_ended", terminal_state=str(terminal), reason=reason)


async def extract_phase(state: RunState, deps: RunDeps) -> None:
    state.memory = await deps.memory.read(state.thread_id)
    settings = deps.settings
    try:
        prompt, outcome = await extract_step(state.mail, deps.llm, deps.prompts,
                                             max_attempts=settings.extraction_attempts,
                                             max_body_chars=settings.max_body_chars)
    except DeadLetter as failed:
        state.failure = f"{type(failed).__name__}: {failed}"
        if (failed_prompt := getattr(failed, "prompt", None)) is not None:
            state.use_prompt(failed_prompt)
            state.model = failed.cause.model  # type: ignore[attr-defined]
        end_run(state, TerminalState.FAILED, state.failure)
        return
    state.use_prompt(prompt)
    state.extraction = ExtractionRecord(facts=outcome.extraction, model=outcome.model, attempts=outcome.attempts,
                                        reply=outcome.reply)
    state.model = outcome.model
    state.input_tokens += outcome.input_tokens
    state.output_tokens += outcome.output_tokens
    state.phase = RunPhase.PLAN


def observations(state: RunState) -> tuple[Observation, ...]:
    return tuple(Observation(call.function, call.arguments, call.result.status, call.result.output, call.result.reason)
                 for call in state.finished_calls() if call.result is not None)


def _step_call(state: RunState, planned: PlannedCall) -> StepCall:
    try:
        spec = tool_by_function(planned.function)
    except KeyError:
        return StepCall(call_id=tool_call_id(state.mail_id, state.step, planned.function, planned.arguments),
                        function=planned.function, service="", arguments=planned.arguments,
                        arguments_hash=arguments_hash(planned.arguments), consequential=False, status="done",
                        result=ObservedResult(status="rejected", reason=f"no tool named {planned.function!r}"))
    return StepCall(call_id=tool_call_id(state.mail_id, state.step, spec.service, planned.arguments),
                    function=spec.function, service=spec.service, arguments=planned.arguments,
                    arguments_hash=arguments_hash(planned.arguments), consequential=spec.consequential)


async def plan_phase(state: RunState, deps: RunDeps) -> None:
    assert state.extraction is not None
    with tracer.start_as_current_span("agent.plan") as span:
        plan_input = PlanInput(state.mail, state.extraction.facts, state.memory, observations(state))
        step = await deps.plan(deps.llm, deps.prompts, plan_input)
        span.set_attributes({attributes.GEN_AI_OPERATION_NAME: "chat", attributes.GEN_AI_RESPONSE_MODEL: step.model,
                             attributes.GEN_AI_USAGE_INPUT_TOKENS: step.input_tokens,
                             attributes.GEN_AI_USAGE_OUTPUT_TOKENS: step.output_tokens,
                             attributes.PROMPT_NAME: step.prompt.name, attributes.PROMPT_VERSION: step.prompt.version,
                             "mailspine.agent.step": state.step, "mailspine.agent.planned_calls": len(step.calls)})
    state.use_prompt(step.prompt)
    state.input_tokens += step.input_tokens
    state.output_tokens += step.output_tokens
    if not step.calls:
        end_run(state, TerminalState.COMPLETED, "the planner asked for nothing more")
        return
    calls = [_step_call(state, planned) for planned in step.calls]
    for call in calls:
        audit(state, "proposed", call_id=call.call_id, function=call.function, arguments=call.arguments,
              arguments_hash=call.arguments_hash, step=state.step)
    wanted = sum(1 for call in calls if call.status != "done")
    if state.tool_calls + wanted > deps.settings.max_tool_calls:
        end_run(state, TerminalState.TOOL_CALL_LIMIT,
                f"{state.tool_calls} calls made, {wanted} more planned, at most {deps.settings.max_tool_calls}")
        return
    state.calls, state.phase = calls, RunPhase.EXECUTE


def crm_record(state: RunState) -> dict[str, object] | None:
    records = [call.result.output for call in state.finished_calls()
               if call.function == "lookup_customer" and call.result is not None and call.result.status == "ok"]
    return records[-1] if records else None


def evidence_of(state: RunState) -> Evidence:
    assert state.extraction is not None
    return Evidence(state.mail, state.extraction.facts, crm_record(state), approved_state(state.memory))


async def check_with_critic(state: RunState, call: StepCall, deps: RunDeps) -> CriticVerdict:
    """The critic's verdict (its own span, ``critic <function>``), recorded in the run's audit chain."""
    verdict = await deps.critic(PlannedCall(call.function, call.arguments), evidence_of(state), deps.policy)
    audit(state, "critic_verdict", call_id=call.call_id, function=call.function, verdict=str(verdict.verdict),
          reasons=list(verdict.reasons), arguments_hash=call.arguments_hash)
    return verdict


def apply_verdict(state: RunState, call: StepCall, verdict: CriticVerdict, *, approver: str = "critic",
                  decision_id: str | None = None) -> None:
    call.reasons = list(verdict.reasons)
    if verdict.verdict == Verdict.DENY:
        call.status, call.result = "done", ObservedResult(status="denied", reason="; ".join(verdict.reasons))
    elif verdict.verdict == Verdict.NEEDS_HUMAN and approver == "critic":
        call.status = "reviewing"
    else:  # allowed by the policy, or needing a person who has just decided
        call.approval = Approval(by=approver, arguments_hash=call.arguments_hash, decision_id=decision_id)
        call.status = "approved"
        audit(state, "approval", call_id=call.call_id, by=approver, arguments_hash=call.arguments_hash,
              decision_id=decision_id)


def _send(state: RunState, call: StepCall, deps: RunDeps) -> None:
    remaining = deps.settings.max_run_seconds - (datetime.now(UTC) - state.started_at).total_seconds()
    call.deadline = datetime.now(UTC) + timedelta(seconds=max(0.0, min(deps.settings.tool_deadline_seconds, remaining)))
    call.status = "sent"
    state.tool_calls += 1
    audit(state, "executed", call_id=call.call_id, function=call.function, service=call.service,
          arguments_hash=call.arguments_hash, approved_by=call.approval.by if call.approval else None,
          deadline=call.deadline.isoformat())


async def execute_phase(state: RunState, deps: RunDeps) -> None:
    for call in state.calls:
        if call.status == "planned" and call.consequential:
            apply_verdict(state, call, await check_with_critic(state, call, deps))
        if (call.status == "planned" and not call.consequential) or call.status == "approved":
            _send(state, call, deps)
    sent = [call for call in state.calls if call.status == "sent"]
    # the calls and their deadlines are stored before any leaves, so a restart sends the same call ids again
    await deps.store.remember_calls(state.mail_id, [call.call_id for call in sent])
    await persist(state, deps)
    for call, result in zip(sent, await _gather(state, sent, deps), strict=True):
        call.status, call.result = "done", result
        audit(state, "result", call_id=call.call_id, function=call.function, status=result.status,
              reason=result.reason, output=result.output)
    if any(call.status == "reviewing" for call in state.calls):
        state.phase = RunPhase.AWAIT_REVIEW
        return
    state.history += state.calls
    state.calls, state.step, state.phase = [], state.step + 1, RunPhase.PLAN


async def _gather(state: RunState, calls: list[StepCall], deps: RunDeps) -> list[ObservedResult]:
    return list(await asyncio.gather(*(deps.executor.execute(state, call) for call in calls)))
