"""The run summary on agent.runs.v1, one per run when it ends: what the online evaluator and the dashboards know."""

from datetime import UTC, datetime

from opentelemetry import trace

from services.runtime.extraction import prompt_variables
from services.runtime.run_state import RunState, TerminalState
from shared.contracts.agent_run import AgentRun, AgentRunMessage, RunEvidence
from shared.contracts.mail import AcceptedMail
from shared.eval_sampling import SamplingDecision
from shared.spotlight import unmark


def _ids(span: trace.Span) -> dict[str, str]:
    context = span.get_span_context()
    return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}


def _source(mail: AcceptedMail, max_body_chars: int) -> dict[str, str]:
    """The fields exactly as the model got them, without the spotlight marks."""
    seen = prompt_variables(mail.payload, max_body_chars)
    return {"sender": unmark(seen["sender"]), "subject": unmark(seen["subject"]), "body": unmark(seen["body"]),
            "received_date": seen["received_date"]}


def outcome_of(state: RunState) -> tuple[str, str | None]:
    """The outcome the evaluator knows (crm, human_review, no_action, failed) and the CRM action taken or proposed."""
    if state.terminal == TerminalState.FAILED:
        return "failed", None
    writes = [call for call in state.finished_calls() if call.function == "write_crm" and call.result is not None
              and call.result.status == "ok"]
    proposed = str(state.extraction.facts.crm_action) if state.extraction else None
    if writes:
        return "crm", str(writes[-1].arguments.get("action", proposed))
    return ("human_review" if state.human_reviewed else "no_action"), proposed


def run_summary(state: RunState, span: trace.Span, max_body_chars: int) -> AgentRunMessage:
    sampling = SamplingDecision.from_baggage(state.sampling)
    sampled = bool(state.prompts) and sampling.sampled_for(state.prompts[0].name)
    outcome, crm_action = outcome_of(state)
    facts = state.extraction.facts if state.extraction else None
    evidence = None
    # a person's corrections need the text too: they become golden-dataset candidates
    if sampled or state.human_reviewed:
        evidence = RunEvidence(**_source(state.mail, max_body_chars),
                               reply=state.extraction.reply if state.extraction else None, facts=facts,
                               attempts=state.extraction.attempts if state.extraction else 0)
    latency_ms = round((datetime.now(UTC) - state.started_at).total_seconds() * 1000, 2)
    summary = AgentRun(
        **_ids(span), prompts=state.prompts, model=state.model, input_tokens=state.input_tokens,
        output_tokens=state.output_tokens, latency_ms=latency_ms, outcome=outcome,
        intent=str(facts.intent) if facts else None, crm_action=crm_action,
        high_stakes=facts.high_stakes if facts else None, sampled=sampled, evidence=evidence,
        terminal_state=str(state.terminal) if state.terminal else None, tool_calls=state.tool_calls)
    return AgentRunMessage(tenant=state.mail.tenant, mail_id=state.mail_id, payload=summary)
