"""Drives one run through its phases until it ends or waits for a person, saving its state after every phase.

A run is started, or resumed after a restart or a decision, by the same ``drive``: the phase in its state says
where it is. Its spans continue the mail's one trace, from the trace context stored with the run. Bounds (wall
time, tokens, iterations) are checked between phases; each ends the run in its own terminal state.
"""

from datetime import UTC, datetime

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.runtime.late_results import awaits_correction, reconcile_kept_results
from services.runtime.review_flow import pause_for_review, review_request
from services.runtime.run_deps import RunDeps
from services.runtime.run_persistence import persist
from services.runtime.run_state import RunPhase, RunState, TerminalState
from services.runtime.run_steps import end_run, execute_phase, extract_phase, plan_phase
from services.runtime.run_summary import run_summary
from services.runtime.settings import RuntimeSettings
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime")
_W3C = TraceContextTextMapPropagator()

PHASES = {RunPhase.EXTRACT: extract_phase, RunPhase.PLAN: plan_phase, RunPhase.EXECUTE: execute_phase}


def exceeded_bound(state: RunState, settings: RuntimeSettings) -> tuple[TerminalState, str] | None:
    elapsed = (datetime.now(UTC) - state.started_at).total_seconds()
    if elapsed > settings.max_run_seconds:
        return TerminalState.TIME_LIMIT, f"ran {elapsed:.1f} s, at most {settings.max_run_seconds} s"
    tokens = state.input_tokens + state.output_tokens
    if tokens > settings.max_tokens:
        return TerminalState.TOKEN_LIMIT, f"used {tokens} tokens, at most {settings.max_tokens}"
    if state.phase == RunPhase.PLAN and state.step >= settings.max_iterations:
        return TerminalState.ITERATION_LIMIT, f"planned {state.step} times, at most {settings.max_iterations}"
    return None


def run_span(state: RunState) -> trace.Span:
    """The run's span, a child of the consumed mail's span (its context is stored with the run), so a run resumed
    after a restart or a person's decision stays in the mail's one trace."""
    name = "agent.run" if state.phase == RunPhase.EXTRACT else "agent.run.resume"
    span = tracer.start_span(name, context=_W3C.extract(state.trace_carrier))
    span.set_attributes({attributes.MAIL_ID: state.mail_id, attributes.TENANT: state.mail.tenant,
                         "mailspine.agent.phase": str(state.phase)})
    return span


async def drive(state: RunState, deps: RunDeps) -> None:
    span = run_span(state)
    with trace.use_span(span, end_on_exit=True):
        await persist(state, deps)
        while state.phase not in (RunPhase.DONE, RunPhase.AWAIT_REVIEW):
            if (bound := exceeded_bound(state, deps.settings)) is not None:
                end_run(state, *bound)
            else:
                if state.phase == RunPhase.PLAN:  # the planner sees what happened, not a stale "expired"
                    await reconcile_kept_results(state, deps)
                await PHASES[state.phase](state, deps)
            await persist(state, deps)
        if state.phase == RunPhase.AWAIT_REVIEW:
            await _wait_for_people(state, deps)
        else:
            await _finish(state, deps, span)
        span.set_attribute(attributes.OUTCOME, str(state.terminal or state.phase))


async def _wait_for_people(state: RunState, deps: RunDeps) -> None:
    if not state.review_requested:
        pause_for_review(state)
        await deps.memory.write(state)  # a later mail of the thread sees what waits
        await deps.outbound.review(review_request(state))
        state.review_requested = True
        await persist(state, deps)


async def _finish(state: RunState, deps: RunDeps, span: trace.Span) -> None:
    if await reconcile_kept_results(state, deps):
        await persist(state, deps)
    await deps.memory.write(state)
    if state.terminal == TerminalState.FAILED:
        await deps.outbound.dead_letter(state, "AgentRunFailed", state.failure or "no valid extraction")
    await deps.outbound.summary(run_summary(state, span, deps.settings.max_body_chars))
    keep = deps.settings.correction_window_seconds if awaits_correction(state) else None
    await deps.store.finish(state, keep_seconds=keep)
