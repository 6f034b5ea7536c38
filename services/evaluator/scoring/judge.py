"""The LLM-as-judge scorer: one schema-checked model call that grades a run's extraction against its mail.

The judge prompt is a registry artifact (judge-extraction) with its own version. Mail and extraction reach the
model spotlighted, as data. An invalid reply is retried once with the problem; a second one raises JudgeFailed.
"""

import json
from dataclasses import dataclass

import openai
from opentelemetry import trace
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.contracts.agent_run import RunEvidence
from shared.errors import DeadLetter
from shared.llm_calls import call_until_valid, schema_checked
from shared.prompts import PromptArtifact, render
from shared.spotlight import BEGIN, DATAMARK, END, spotlight
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.evaluator.judge")

JUDGE_PROMPT = "judge-extraction"
ACCEPTABLE_SCORE = 4  # 4 = only minor field errors; intent, crm_action and high_stakes all right
JUDGE_FIELDS = frozenset({"score", "intent_correct", "crm_action_correct", "high_stakes_correct"})
MAX_ATTEMPTS = 2


class JudgeFailed(DeadLetter):
    """The judge model gave no valid verdict within the allowed attempts; the run stays unscored by the judge."""


class _JudgeReply(BaseModel):
    """The fields every judge version must return (a later version may add more)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    score: int = Field(ge=1, le=5)
    intent_correct: bool
    crm_action_correct: bool
    high_stakes_correct: bool
    unsupported_values: list[str]
    rationale: str = Field(max_length=400)


@dataclass(frozen=True)
class JudgeVerdict:
    score: int
    intent_correct: bool
    crm_action_correct: bool
    high_stakes_correct: bool
    unsupported_values: tuple[str, ...]
    rationale: str
    judge: str  # the judge prompt, name@version
    model: str
    attempts: int
    input_tokens: int
    output_tokens: int
    latency_ms: float

    @property
    def acceptable(self) -> bool:
        return self.score >= ACCEPTABLE_SCORE


def is_judge_prompt(artifact: PromptArtifact) -> bool:
    """A prompt whose output is a verdict on an extraction (judged by the judge-agreement eval, not the
    extraction eval)."""
    return set(artifact.output_schema.schema_.get("properties", {})) >= JUDGE_FIELDS


def candidate_text(evidence: RunEvidence) -> str:
    """What the judge grades: the validated facts as JSON, else the raw reply (so an invalid one scores 1)."""
    if evidence.facts is not None:
        return json.dumps(evidence.facts.model_dump(mode="json"), ensure_ascii=False)
    return evidence.reply or ""


def judge_variables(evidence: RunEvidence) -> dict[str, str]:
    return {"begin_marker": BEGIN, "end_marker": END, "datamark": DATAMARK,
            "received_date": evidence.received_date, "sender": spotlight(evidence.sender),
            "subject": spotlight(evidence.subject), "body": spotlight(evidence.body),
            "extraction": spotlight(candidate_text(evidence))}


def parse_verdict(content: str | None, artifact: PromptArtifact) -> _JudgeReply:
    data = schema_checked(content, artifact.output_schema.schema_)
    try:
        return _JudgeReply.model_validate(data)
    except ValidationError as error:
        raise ValueError(f"the reply does not match the verdict contract: {error.errors()[0]['msg']}") from None


async def judge_run(llm: openai.AsyncOpenAI, artifact: PromptArtifact, evidence: RunEvidence, *,
                    label: str = "production", arm: str = "stable") -> JudgeVerdict:
    rendered = render(artifact, judge_variables(evidence))
    call = await call_until_valid(llm, rendered, lambda content: parse_verdict(content, artifact), tracer=tracer,
                                  label=label, arm=arm, max_attempts=MAX_ATTEMPTS,
                                  span_facts=lambda verdict: {attributes.EVAL_JUDGE_SCORE: verdict.score})
    verdict = call.value
    if verdict is None:
        raise JudgeFailed(f"{artifact.ref} on {artifact.model.name}: no valid verdict in {MAX_ATTEMPTS} attempts; "
                          f"last problem: {call.problem}")
    return JudgeVerdict(
        score=verdict.score, intent_correct=verdict.intent_correct, crm_action_correct=verdict.crm_action_correct,
        high_stakes_correct=verdict.high_stakes_correct, unsupported_values=tuple(verdict.unsupported_values),
        rationale=verdict.rationale, judge=artifact.ref, model=call.last.model, attempts=call.attempts,
        input_tokens=call.input_tokens, output_tokens=call.output_tokens, latency_ms=call.latency_ms)
