"""One planning step: one chat completion over the OpenAI tool-calling protocol, offering the tool services'
schemas, with the planner prompt from the registry. The model's calls are validated before they are returned;
invalid ones are dropped and recorded on the span. The step is the `chat <model>` span (GenAI attributes)."""

from typing import Any

import openai
from opentelemetry import trace

from services.runtime.critic.policy import AgentPolicy, load_policy
from services.runtime.planning.call_validation import accept_tool_calls
from services.runtime.planning.context import observation_turns, prompt_variables
from services.runtime.planning.steps import PlanInput, PlanStep
from services.runtime.prompt_resolver import PromptResolver
from shared.contracts.agent_run import PromptUse
from shared.contracts.tools.catalog import openai_tool_definitions
from shared.llm_calls import chat_attributes, create_chat
from shared.prompts import render
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime.planning")

PLAN_PROMPT = "plan-actions"


def prompt_use(resolved: Any) -> PromptUse:
    """What a run records of the prompt the registry served (shared/prompts/client.py ResolvedPrompt)."""
    return PromptUse(name=resolved.artifact.name, version=resolved.version, content_hash=resolved.content_hash,
                     label=resolved.label, arm=resolved.arm, stale=resolved.stale)


async def plan_next(llm: openai.AsyncOpenAI, prompts: PromptResolver, plan_input: PlanInput, *,
                    policy: AgentPolicy | None = None, max_body_chars: int = 20_000) -> PlanStep:
    """The next calls to make (none: the plan is finished). Unreachable or refusing model endpoints raise
    (RetryLater, DeadLetter), as for the extraction."""
    resolved = await prompts.resolve(PLAN_PROMPT, "production", routing_key=plan_input.mail.payload.thread_id)
    prompt = prompt_use(resolved)
    artifact = resolved.artifact
    rendered = render(artifact, prompt_variables(plan_input, policy or load_policy(), max_body_chars))
    messages = [*rendered.messages, *observation_turns(plan_input.observations)]
    with tracer.start_as_current_span(f"chat {artifact.model.name}", kind=trace.SpanKind.CLIENT) as span:
        span.set_attributes(chat_attributes(artifact, label=prompt.label, arm=prompt.arm, attempt=1))
        span.set_attribute("mailspine.plan.observations", len(plan_input.observations))
        reply = await create_chat(llm, rendered, messages, span, tools=openai_tool_definitions())
        calls, dropped = accept_tool_calls(reply.tool_calls, plan_input.observations)
        for each in dropped:
            span.add_event("invalid_tool_call", {attributes.TOOL_NAME: each.function[:200],
                                                 "mailspine.plan.drop_reason": each.reason[:500]})
        span.set_attributes({"mailspine.plan.calls": [call.function for call in calls],
                             "mailspine.plan.dropped": len(dropped),
                             attributes.OUTCOME: "calls" if calls else "finished"})
    return PlanStep(calls=calls, prompt=prompt, model=reply.model, input_tokens=reply.input_tokens,
                    output_tokens=reply.output_tokens)
