"""The runtime's use cases, between the thin subscribers and the run driver: take a mail, take a tool result, take
a review decision, resume every unfinished run at start.

A mail's run state is written to Redis before its handler returns, so the offset FastStream commits then is only
ever that of a durably recorded run; the run itself goes on in a task. A result whose call id no run asked for is
dead-lettered (``tool.<name>.results.dlq.v1``, with the reason): it is evidence of a misrouted or forged result
and worth keeping. A late result for a call that already expired is kept in Redis, and if it says the call's
effect happened, the run's record is corrected (late_results.py), never left contradicting it.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.runtime.late_results import correct_finished_run
from services.runtime.review_flow import apply_decision
from services.runtime.run_deps import RunDeps
from services.runtime.run_driver import drive
from services.runtime.run_persistence import persist
from services.runtime.run_state import AuditCursor, RunPhase, RunState, TerminalState
from services.runtime.run_steps import end_run
from shared.contracts.mail import AcceptedMail
from shared.contracts.review import ReviewDecisionMessage
from shared.contracts.tool_calls import ToolCallResult, ToolCallStatus
from shared.errors import DeadLetter
from shared.keyed_tasks import KeyedScheduler
from shared.tracing import attributes

logger = logging.getLogger("mailspine.runtime")
tracer = trace.get_tracer("mailspine.runtime")
RETRY_SECONDS = (0.5, 2.0, 5.0, 15.0, 30.0)


class AgentRuntime:
    def __init__(self, deps: RunDeps, scheduler: KeyedScheduler | None = None) -> None:
        self.deps = deps
        self.scheduler = scheduler or KeyedScheduler(deps.settings.max_in_flight)
        self._background: set[asyncio.Task[Any]] = set()

    async def accept(self, mail: AcceptedMail, *, source: tuple[str, int, int] | None = None,
                     sampling: str | None = None) -> None:
        """Records the run and schedules it; the consumer waits two Redis round trips, not one per question."""
        store = self.deps.store
        if self.scheduler.is_scheduled(mail.mail_id):
            trace.get_current_span().set_attribute(attributes.OUTCOME, "already_run")
            return
        done, state, sequence = await store.admission(mail.mail_id)
        if done:
            trace.get_current_span().set_attribute(attributes.OUTCOME, "already_run")
            return
        if state is None:
            state = RunState(mail=mail, sequence=sequence, source=source, sampling=sampling,
                             audit=AuditCursor(chain_id=f"runtime:{mail.mail_id}"))
            TraceContextTextMapPropagator().inject(state.trace_carrier)  # the consumed mail's span
            await store.save(state)
        if _needs_driving(state):
            await self._schedule(state)

    async def resume_all(self) -> int:
        """Schedules every unfinished run that is not waiting for a person, in arrival order."""
        runs = [state for state in await self.deps.store.active_runs() if _needs_driving(state)]
        for state in runs:
            await self._schedule(state)
        logger.info("resumed %d unfinished runs", len(runs))
        return len(runs)

    async def take_result(self, result: ToolCallResult) -> None:
        """A result its run waits for here goes to it at once, and is kept in Redis in the background (the
        results consumer takes the next one meanwhile; after a crash the tool answers the resent call id with the
        same result). Any other result is checked and kept before the consumer moves on."""
        if self.deps.executor.deliver(result):
            self._in_background(self.deps.store.keep_result(result))
            return
        store = self.deps.store
        mail_id = await store.run_of_call(result.call_id)
        if mail_id is None:
            raise DeadLetter(f"no run asked for call {result.call_id} ({result.tool}, run {result.run_id})")
        first = await store.keep_result(result)
        logger.info("result of call %s (%s, %s) kept; no run waits for it here%s", result.call_id, result.tool,
                    result.status, "" if first else " (a repeat)")
        await self._correct_record(mail_id, result)

    async def _correct_record(self, mail_id: str, result: ToolCallResult) -> None:
        """A finished run that recorded this call as expired or failed records what happened instead
        (late_results.py). An unfinished run is left to its own process: it finds the kept result before it plans
        again or ends (``reconcile_kept_results``), so no two processes ever write one run's state or chain."""
        if result.status != ToolCallStatus.OK or await self.deps.store.load(mail_id) is not None:
            return
        finished = await self.deps.store.load_finished(mail_id)
        if finished is not None and await correct_finished_run(finished, result, self.deps):
            logger.warning("run %s: call %s, recorded as not done, is corrected to %s", mail_id, result.call_id,
                           result.status)

    def _in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            logger.warning("keeping a delivered result failed (the run has it): %r", error)

    async def take_decision(self, message: ReviewDecisionMessage) -> str | None:
        """Applies a person's decision to the paused run; returns why it was refused, or None."""
        await self.scheduler.settled(message.mail_id)  # a run that has just paused may still be saving its state
        state = await self.deps.store.load(message.mail_id)
        if state is None:
            logger.warning("decision %s for mail %s: no unfinished run", message.payload.decision_id, message.mail_id)
            return "no unfinished run for this mail"
        context = TraceContextTextMapPropagator().extract(state.trace_carrier)
        with tracer.start_as_current_span("review.decision", context=context) as span:
            span.set_attributes({attributes.MAIL_ID: state.mail_id, "mailspine.review.verdict":
                                 message.payload.verdict, "mailspine.review.reviewer": message.payload.reviewer})
            refused = await apply_decision(state, message.payload, self.deps)
            span.set_attribute(attributes.OUTCOME, refused or "applied")
            await persist(state, self.deps)
        if state.phase == RunPhase.EXECUTE:
            await self._schedule(state)
        return refused

    async def _schedule(self, state: RunState) -> None:
        await self.scheduler.submit(state.mail_id, state.thread_id, lambda: self._drive(state.mail_id))

    async def _drive(self, mail_id: str) -> None:
        """Drives the run from its saved state; a failing step (a dependency down) is retried from there, and a
        run that still fails ends as failed (dead-lettered, summarised) instead of waiting for a restart."""
        for delay in (*RETRY_SECONDS, None):
            state = await self.deps.store.load(mail_id)
            if state is None:
                return
            try:
                await drive(state, self.deps)
                return
            except Exception as error:
                if delay is None:
                    logger.exception("run %s failed in phase %s after %d attempts; it ends as failed", mail_id,
                                     state.phase, len(RETRY_SECONDS) + 1)
                    state.failure = f"{type(error).__name__}: {error}"
                    end_run(state, TerminalState.FAILED, state.failure)
                    await drive(state, self.deps)
                    return
                logger.exception("run %s failed in phase %s; retrying in %.1f s", mail_id, state.phase, delay)
                await asyncio.sleep(delay)


def _needs_driving(state: RunState) -> bool:
    """Every run but one waiting for a person who has been asked: a run stopped between saving its pause and
    publishing the review request (a crash, a SIGKILL) must still ask, or it would wait for nobody."""
    return state.phase != RunPhase.AWAIT_REVIEW or not state.review_requested
