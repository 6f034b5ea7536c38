"""One agent run for one accepted mail: resolve the prompt, extract the facts, decide, propose the action.

It is a workflow with one LLM call, not yet a tool loop. What it returns is published by the handler: a CRM
tool call, a human-review request, or nothing (no genuine request), plus the run summary for agent.runs.v1.
"""

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

import openai
from opentelemetry import trace

from services.runtime.crm_call import approved_crm_call, write_crm_arguments
from services.runtime.decision import Decision, Route, decide
from services.runtime.extraction import EXTRACT_PROMPT, ExtractionOutcome, InvalidModelOutput, extract_facts
from shared.contracts.agent_run import PromptUse
from shared.contracts.crm import CrmAction, CrmWriteRequest
from shared.contracts.mail import AcceptedMail
from shared.contracts.registry import Label
from shared.contracts.review import ReviewRequest, ReviewRequestMessage
from shared.contracts.tool_calls import ToolCallMessage
from shared.errors import DeadLetter
from shared.spotlight import is_spotlighted, unmark
from shared.tracing import attributes


class PromptResolver(Protocol):
    async def resolve(self, name: str, label: Label = "production", routing_key: str | None = None,
                      variables: dict[str, Any] | None = None) -> Any: ...


@dataclass(frozen=True)
class AgentDeps:
    llm: openai.AsyncOpenAI
    prompts: PromptResolver
    summary_chars: int
    max_attempts: int
    max_body_chars: int = 20_000


@dataclass(frozen=True)
class AgentResult:
    decision: Decision
    extraction: ExtractionOutcome
    prompt: PromptUse
    crm_call: ToolCallMessage | None
    review: ReviewRequestMessage | None


class AgentRunFailed(DeadLetter):
    """No valid extraction: the mail is dead-lettered, and its run summary still says which prompt failed how."""

    def __init__(self, cause: InvalidModelOutput, prompt: PromptUse) -> None:
        super().__init__(str(cause))
        self.cause, self.prompt = cause, prompt


def tool_call_id(mail_id: str, action: str) -> str:
    """Deterministic, so a redelivered mail asks for the same call and the tool can recognise it."""
    return "call-" + hashlib.sha256(f"{mail_id}\x00{action}".encode()).hexdigest()[:20]


def require_spotlighted(mail: AcceptedMail) -> None:
    """The runtime only ever handles untrusted text that the gateway delimited and datamarked."""
    for name in ("sender", "subject", "body"):
        if not is_spotlighted(getattr(mail.payload, name)):
            raise DeadLetter(f"mail {mail.mail_id}: field {name} reached the runtime without spotlighting")


async def run_agent(mail: AcceptedMail, deps: AgentDeps) -> AgentResult:
    require_spotlighted(mail)
    span = trace.get_current_span()
    span.set_attribute("mailspine.spotlight.verified", True)
    resolved = await deps.prompts.resolve(EXTRACT_PROMPT, "production", routing_key=mail.payload.thread_id)
    prompt = PromptUse(name=resolved.artifact.name, version=resolved.version, content_hash=resolved.content_hash,
                       label=resolved.label, arm=resolved.arm, stale=resolved.stale)
    span.set_attributes({attributes.PROMPT_NAME: prompt.name, attributes.PROMPT_VERSION: prompt.version,
                         attributes.PROMPT_LABEL: prompt.label, attributes.PROMPT_ARM: prompt.arm,
                         attributes.PROMPT_STALE: prompt.stale})
    try:
        outcome = await extract_facts(deps.llm, resolved.artifact, mail.payload, label=prompt.label, arm=prompt.arm,
                                      max_attempts=deps.max_attempts, max_body_chars=deps.max_body_chars)
    except InvalidModelOutput as invalid:
        raise AgentRunFailed(invalid, prompt) from invalid
    decision = decide(mail.payload, outcome.extraction)
    span.set_attributes({"mailspine.agent.intent": str(outcome.extraction.intent),
                         "mailspine.agent.crm_action": str(decision.action),
                         "mailspine.agent.high_stakes": outcome.extraction.high_stakes,
                         attributes.OUTCOME: str(decision.route)})
    crm_call = review = None
    if decision.route != Route.NO_ACTION:
        action = CrmAction(decision.action) if decision.action != "none" else CrmAction.LOG_INTERACTION
        body = mail.payload
        summary = f"{unmark(body.subject)}\n\n{unmark(body.body)}".strip()[:deps.summary_chars]
        request = CrmWriteRequest(call_id=tool_call_id(mail.mail_id, action), action=action,
                                  customer_address=body.sender_address,  # a placeholder; only the tool reveals it
                                  summary=summary, facts=outcome.extraction)
        span.set_attribute(attributes.TOOL_NAME, "crm_writer")
        if decision.route == Route.HUMAN_REVIEW:
            span.set_attribute(attributes.TOOL_CALL_ID, request.call_id)
            review = ReviewRequestMessage(tenant=mail.tenant, mail_id=mail.mail_id,
                                          payload=ReviewRequest(reason=decision.reason, proposed=request))
        else:
            crm_call = approved_crm_call(mail, write_crm_arguments(mail, action, summary, outcome.extraction))
            span.set_attribute(attributes.TOOL_CALL_ID, crm_call.payload.call_id)
    return AgentResult(decision=decision, extraction=outcome, prompt=prompt, crm_call=crm_call, review=review)
