"""People in the loop: a run whose calls need a person publishes one review request and pauses (its state stays in
Redis, no task or consumer waits); a decision on review.decisions.v1 resumes it.

An approval names the hash of the exact arguments it approves: a decision whose hash differs from the proposed
arguments (approve) or from its own edited arguments (edit) is refused and the run keeps waiting. An edit is
checked by the critic again: a deny stands; otherwise the person's edit is the approval. A rejection executes
nothing. The time a run waited is one ``review.wait`` span in the mail's trace.
"""

import time

from opentelemetry import trace
from pydantic import ValidationError

from services.runtime.audit_trail import audit
from services.runtime.critic import CriticVerdict, Verdict
from services.runtime.memory import approved_state
from services.runtime.run_deps import RunDeps
from services.runtime.run_state import ObservedResult, RunPhase, RunState, StepCall
from services.runtime.run_steps import apply_verdict, check_with_critic, crm_record
from shared.contracts.review import (
    Lookup,
    ProposedCall,
    ReviewDecision,
    ReviewEvidence,
    ReviewRequest,
    ReviewRequestMessage,
)
from shared.contracts.tool_calls import arguments_hash, tool_call_id
from shared.contracts.tools.catalog import tool_by_function

tracer = trace.get_tracer("mailspine.runtime.review")


def review_request(state: RunState) -> ReviewRequestMessage:
    waiting = [call for call in state.calls if call.status == "reviewing"]
    proposed = [ProposedCall(call_id=call.call_id, function=call.function, arguments=call.arguments,
                             arguments_hash=call.arguments_hash, reasons=call.reasons) for call in waiting]
    reasons = "; ".join(reason for call in waiting for reason in call.reasons) or "the critic asks a person"
    evidence = ReviewEvidence(facts=state.extraction.facts if state.extraction else None,
                              crm_record=crm_record(state), approved_state=approved_state(state.memory),
                              lookups=lookups_of(state))
    return ReviewRequestMessage(tenant=state.mail.tenant, mail_id=state.mail_id,
                                payload=ReviewRequest(reason=reasons, calls=proposed, evidence=evidence))


def lookups_of(state: RunState) -> list[Lookup]:
    """What the agent read before it asked (search hits, the customer's record): the reviewer sees it too."""
    return [Lookup(call_id=call.call_id, function=call.function, arguments=call.arguments, status=call.result.status,
                   output=call.result.output, reason=call.result.reason)
            for call in state.finished_calls() if not call.consequential and call.result is not None]


def pause_for_review(state: RunState) -> None:
    state.review_started_ns = state.review_started_ns or time.time_ns()
    state.human_reviewed = True


def _refusal(state: RunState, decision: ReviewDecision) -> tuple[StepCall | None, str | None]:
    """The call the decision is about, or why the decision cannot apply."""
    if state.phase != RunPhase.AWAIT_REVIEW:
        return None, f"the run is not waiting for a person (phase {state.phase})"
    call = next((c for c in state.calls if c.call_id == decision.call_id and c.status == "reviewing"), None)
    if call is None:
        return None, f"no proposed call {decision.call_id!r} waits for a decision"
    if decision.verdict == "approve" and decision.arguments_hash != call.arguments_hash:
        return None, "the approved hash is not the hash of the proposed arguments"
    if decision.verdict == "edit":
        if decision.edited_arguments is None:
            return None, "an edit of a call must carry the edited arguments"
        if decision.arguments_hash != arguments_hash(decision.edited_arguments):
            return None, "the approved hash is not the hash of the edited arguments"
        try:
            tool_by_function(call.function).arguments.model_validate(decision.edited_arguments)
        except ValidationError as invalid:
            return None, f"the edited arguments do not fit {call.function}: {invalid.errors()[0]['msg']}"
    return call, None


async def apply_decision(state: RunState, decision: ReviewDecision, deps: RunDeps) -> str | None:
    """Applies one decision to the paused run; returns why it was refused, or None. The run goes on once no call
    waits for a person any more."""
    call, refused = _refusal(state, decision)
    if call is None:
        audit(state, "decision_refused", call_id=decision.call_id, by=decision.reviewer,
              decision_id=decision.decision_id, reason=refused)
        return refused
    if decision.verdict == "reject":
        call.status = "done"
        call.result = ObservedResult(status="rejected", reason=f"rejected by {decision.reviewer}: {decision.comment}")
        audit(state, "rejection", call_id=call.call_id, by=decision.reviewer, decision_id=decision.decision_id)
    else:
        if decision.verdict == "edit" and decision.edited_arguments is not None:
            audit(state, "edit", call_id=call.call_id, by=decision.reviewer, decision_id=decision.decision_id,
                  arguments=decision.edited_arguments, arguments_hash=decision.arguments_hash)
            call.arguments, call.arguments_hash = decision.edited_arguments, arguments_hash(decision.edited_arguments)
            # other arguments are another call: the tool must not take it for a repeat of the proposed one
            call.call_id = tool_call_id(state.mail_id, state.step, call.service, call.arguments)
            verdict = await check_with_critic(state, call, deps)
        else:
            verdict = CriticVerdict(Verdict.NEEDS_HUMAN, tuple(call.reasons))
        apply_verdict(state, call, verdict, approver=decision.reviewer, decision_id=decision.decision_id)
    if not any(c.status == "reviewing" for c in state.calls):
        _end_wait(state)
        state.phase, state.review_requested = RunPhase.EXECUTE, False
    return None


def _end_wait(state: RunState) -> None:
    span = tracer.start_span("review.wait", start_time=state.review_started_ns)
    span.set_attributes({"mailspine.mail.id": state.mail_id, "mailspine.review.calls": len(state.calls)})
    span.end()
    state.review_started_ns = None
