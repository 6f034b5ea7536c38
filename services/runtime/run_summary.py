"""The run summary on agent.runs.v1: what the online evaluator and the dashboards know about one run."""

from opentelemetry import trace

from services.runtime.agent import AgentResult, AgentRunFailed
from services.runtime.extraction import prompt_variables
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


def completed_run(mail: AcceptedMail, result: AgentResult, sampling: SamplingDecision, span: trace.Span,
                  latency_ms: float, max_body_chars: int) -> AgentRunMessage:
    facts = result.extraction.extraction
    sampled = sampling.sampled_for(result.prompt.name)
    # a person's corrections need the text too: they become golden-dataset candidates
    keep_evidence = sampled or result.review is not None
    evidence = RunEvidence(**_source(mail, max_body_chars), reply=result.extraction.reply, facts=facts,
                           attempts=result.extraction.attempts) if keep_evidence else None
    summary = AgentRun(
        **_ids(span), prompts=[result.prompt], model=result.extraction.model,
        input_tokens=result.extraction.input_tokens, output_tokens=result.extraction.output_tokens,
        latency_ms=latency_ms, outcome=str(result.decision.route), intent=str(facts.intent),
        crm_action=str(result.decision.action), high_stakes=facts.high_stakes, sampled=sampled, evidence=evidence)
    return AgentRunMessage(tenant=mail.tenant, mail_id=mail.mail_id, payload=summary)


def failed_run(mail: AcceptedMail, failed: AgentRunFailed, sampling: SamplingDecision, span: trace.Span,
               latency_ms: float, max_body_chars: int) -> AgentRunMessage:
    sampled = sampling.sampled_for(failed.prompt.name)
    evidence = RunEvidence(**_source(mail, max_body_chars), reply=failed.cause.reply, facts=None,
                           attempts=failed.cause.attempts) if sampled else None
    summary = AgentRun(**_ids(span), prompts=[failed.prompt], model=failed.cause.model, input_tokens=0,
                       output_tokens=0, latency_ms=latency_ms, outcome="failed", intent=None, crm_action=None,
                       high_stakes=None, sampled=sampled, evidence=evidence)
    return AgentRunMessage(tenant=mail.tenant, mail_id=mail.mail_id, payload=summary)
