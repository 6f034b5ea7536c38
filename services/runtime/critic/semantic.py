"""The critic's semantic check over the critic-action prompt: one schema-checked model call asking whether a
proposed call serves the mail's genuine request. A "no", or no valid answer, sends the call to a person; a
"yes" never loosens the policy's verdict (review.py keeps the stricter one)."""

import json
from typing import Any

import openai
from opentelemetry import trace

from services.runtime.critic.verdict import CriticVerdict, Evidence, Verdict
from services.runtime.planning.steps import PlannedCall
from services.runtime.prompt_resolver import PromptResolver
from shared.llm_calls import call_until_valid, schema_checked
from shared.prompts import render
from shared.spotlight import truncate

tracer = trace.get_tracer("mailspine.runtime.critic")

CRITIC_PROMPT = "critic-action"


def check_variables(call: PlannedCall, evidence: Evidence, max_body_chars: int = 20_000) -> dict[str, Any]:
    payload = evidence.mail.payload
    body, _ = truncate(payload.body, max_body_chars)
    facts = {"sender": payload.sender_address, **evidence.facts.model_dump(mode="json")}
    return {"begin_marker": payload.spotlight.begin, "end_marker": payload.spotlight.end,
            "datamark": payload.spotlight.datamark, "facts": json.dumps(facts, ensure_ascii=False),
            "call": json.dumps({"function": call.function, "arguments": call.arguments}, ensure_ascii=False),
            "sender": payload.sender, "subject": payload.subject, "body": body}


class PromptSemanticCheck:
    def __init__(self, llm: openai.AsyncOpenAI, prompts: PromptResolver, max_attempts: int = 2) -> None:
        self.llm, self.prompts, self.max_attempts = llm, prompts, max_attempts

    async def check(self, call: PlannedCall, evidence: Evidence) -> CriticVerdict:
        resolved = await self.prompts.resolve(CRITIC_PROMPT, "production",
                                              routing_key=evidence.mail.payload.thread_id)
        artifact = resolved.artifact
        schema = artifact.output_schema.schema_
        outcome = await call_until_valid(self.llm, render(artifact, check_variables(call, evidence)),
                                         lambda content: schema_checked(content, schema), tracer=tracer,
                                         label=resolved.label, arm=resolved.arm, max_attempts=self.max_attempts)
        if outcome.value is None:
            return CriticVerdict(Verdict.NEEDS_HUMAN, (f"the semantic check ({artifact.ref}) gave no valid answer: "
                                                       f"{outcome.problem}",))
        reason = str(outcome.value.get("reason") or "no reason given")[:400]
        if outcome.value.get("serves_genuine_request") is True:
            return CriticVerdict(Verdict.ALLOW, (f"semantic check: {reason}",))
        return CriticVerdict(Verdict.NEEDS_HUMAN, (f"semantic check: the action may not serve the mail's genuine "
                                                   f"request: {reason}",))
