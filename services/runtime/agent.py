"""The agent's first step, unchanged in spirit: resolve the extraction prompt, check the mail was spotlighted,
extract the facts with one schema-checked call. The planner, the critic and the executor take it from there."""

import openai
from opentelemetry import trace

from services.runtime.extraction import EXTRACT_PROMPT, ExtractionOutcome, InvalidModelOutput, extract_facts
from services.runtime.planning.planner import prompt_use
from services.runtime.prompt_resolver import PromptResolver
from shared.contracts.agent_run import PromptUse
from shared.contracts.mail import AcceptedMail
from shared.errors import DeadLetter
from shared.spotlight import is_spotlighted
from shared.tracing import attributes


class AgentRunFailed(DeadLetter):
    """No valid extraction: the mail is dead-lettered, and its run summary still says which prompt failed how."""

    def __init__(self, cause: InvalidModelOutput, prompt: PromptUse) -> None:
        super().__init__(str(cause))
        self.cause, self.prompt = cause, prompt


def require_spotlighted(mail: AcceptedMail) -> None:
    """The runtime only ever handles untrusted text that the gateway delimited and datamarked."""
    for name in ("sender", "subject", "body"):
        if not is_spotlighted(getattr(mail.payload, name)):
            raise DeadLetter(f"mail {mail.mail_id}: field {name} reached the runtime without spotlighting")


async def extract_step(mail: AcceptedMail, llm: openai.AsyncOpenAI, prompts: PromptResolver, *, max_attempts: int,
                       max_body_chars: int) -> tuple[PromptUse, ExtractionOutcome]:
    """The facts of one mail, or AgentRunFailed naming the prompt that produced no valid reply."""
    require_spotlighted(mail)
    span = trace.get_current_span()
    span.set_attribute("mailspine.spotlight.verified", True)
    resolved = await prompts.resolve(EXTRACT_PROMPT, "production", routing_key=mail.payload.thread_id)
    prompt = prompt_use(resolved)
    span.set_attributes({attributes.PROMPT_NAME: prompt.name, attributes.PROMPT_VERSION: prompt.version,
                         attributes.PROMPT_LABEL: prompt.label, attributes.PROMPT_ARM: prompt.arm,
                         attributes.PROMPT_STALE: prompt.stale})
    try:
        outcome = await extract_facts(llm, resolved.artifact, mail.payload, label=prompt.label, arm=prompt.arm,
                                      max_attempts=max_attempts, max_body_chars=max_body_chars)
    except InvalidModelOutput as invalid:
        raise AgentRunFailed(invalid, prompt) from invalid
    span.set_attributes({"mailspine.agent.intent": str(outcome.extraction.intent),
                         "mailspine.agent.high_stakes": outcome.extraction.high_stakes})
    return prompt, outcome
