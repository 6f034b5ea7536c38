"""A consequential call's result that comes back after its run stopped waiting (the run recorded the call as
expired or failed, yet the CRM write or the reply happened): the run's record is corrected to what happened, never
left contradicting it. The correction is a ``result_corrected`` link of the run's audit chain; a finished run also
publishes a new run summary (the latest summary of a mail is the one that counts).

A finished run stays correctable only if it has such a call (``awaits_correction``), for a bounded window."""

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.runtime.audit_trail import audit
from services.runtime.run_deps import RunDeps
from services.runtime.run_state import ObservedResult, RunState
from services.runtime.run_summary import run_summary
from shared.contracts.tool_calls import ToolCallResult, ToolCallStatus
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime")
# what a run records when it did not see a call's effect; a result saying the effect happened (ok) corrects it
UNSEEN = ("expired", "failed")


def awaits_correction(state: RunState) -> bool:
    """Whether a late result could still change this run's record."""
    return any(call.consequential and call.result is not None and call.result.status in UNSEEN
               for call in state.finished_calls())


def correct_call(state: RunState, result: ToolCallResult) -> bool:
    """Puts the late result in place of the call's recorded expiry or failure, with an audit link saying what was
    recorded before; True when the record changed. A late result without an effect (expired, refused, failed)
    leaves the record as it is: the run saw no effect, and there was none."""
    if result.status != ToolCallStatus.OK:
        return False
    for call in (*state.history, *state.calls):
        if call.call_id == result.call_id and call.result is not None and call.result.status in UNSEEN:
            recorded = call.result.status
            call.result = ObservedResult(status=str(result.status), output=result.output, reason=result.reason)
            audit(state, "result_corrected", call_id=call.call_id, function=call.function, recorded=recorded,
                  status=call.result.status, reason=result.reason, output=result.output)
            return True
    return False


async def reconcile_kept_results(state: RunState, deps: RunDeps) -> bool:
    """An unfinished run takes the kept result of each consequential call it recorded as not done (it came back
    after the run stopped waiting, to this process or another): before it plans again, and before it ends."""
    changed = False
    for call in state.finished_calls():
        unseen = call.consequential and call.result is not None and call.result.status in UNSEEN
        if unseen and (kept := await deps.store.result(call.call_id)) is not None:
            changed = correct_call(state, kept) or changed
    return changed


async def correct_finished_run(state: RunState, result: ToolCallResult, deps: RunDeps) -> bool:
    """Corrects a finished run's record: saves it, publishes the audit link, the thread's memory and a new run
    summary. A repeat of the result (a redelivery after a crash) publishes what the first attempt left unpublished."""
    if not correct_call(state, result) and not state.audit_outbox:
        return False
    await deps.store.keep_finished(state, deps.settings.correction_window_seconds)
    with tracer.start_as_current_span("agent.run.correction",
                                      context=TraceContextTextMapPropagator().extract(state.trace_carrier)) as span:
        span.set_attributes({attributes.MAIL_ID: state.mail_id, attributes.TOOL_CALL_ID: result.call_id,
                             attributes.OUTCOME: str(result.status)})
        await deps.outbound.audit(state.audit_outbox)
        state.audit_outbox.clear()
        await deps.memory.write(state)
        await deps.outbound.summary(run_summary(state, span, deps.settings.max_body_chars))
    await deps.store.keep_finished(state, deps.settings.correction_window_seconds)
    return True
