"""The critic's verdict on one proposed call: the deterministic policy first, then, if one is given and the
policy did not deny, a semantic check that may only tighten the verdict. Each verdict is a span with reasons."""

from typing import Protocol

from opentelemetry import trace

from services.runtime.critic.policy import AgentPolicy
from services.runtime.critic.rules import policy_verdict
from services.runtime.critic.verdict import CriticVerdict, Evidence, Verdict, strictest
from services.runtime.planning.steps import PlannedCall
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime.critic")


class SemanticCheck(Protocol):
    """A second opinion ("does this action serve the mail's genuine request?"); it can only make a verdict
    stricter, so it must never be the reason anything runs."""

    async def check(self, call: PlannedCall, evidence: Evidence) -> CriticVerdict: ...


async def review_call(call: PlannedCall, evidence: Evidence, policy: AgentPolicy,
                      semantic: SemanticCheck | None = None) -> CriticVerdict:
    with tracer.start_as_current_span(f"critic {call.function}") as span:
        span.set_attributes({attributes.TOOL_NAME: call.function, attributes.MAIL_ID: evidence.mail.mail_id,
                             attributes.TENANT: evidence.mail.tenant})
        verdict = policy_verdict(call, evidence, policy)
        span.set_attribute("mailspine.critic.policy_verdict", str(verdict.verdict))
        if semantic is not None and verdict.verdict != Verdict.DENY:
            second = await semantic.check(call, evidence)
            span.set_attribute("mailspine.critic.semantic_verdict", str(second.verdict))
            verdict = strictest(verdict, second)
        span.set_attributes({"mailspine.critic.verdict": str(verdict.verdict),
                             "mailspine.critic.reasons": list(verdict.reasons),
                             attributes.OUTCOME: str(verdict.verdict)})
    return verdict
