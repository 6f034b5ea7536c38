"""The agent's first step: one LLM call that turns an accepted mail into structured facts.

The prompt comes from the registry as an artifact; the reply must match the artifact's output schema (asked for
with `response_format` json_schema, checked with jsonschema, then with the pydantic contract). An invalid reply
is retried a bounded number of times, each time telling the model what was wrong. Every call is a span with the
GenAI attributes: model, prompt name@version, token counts, latency, outcome.
"""

import json
import time
from dataclasses import dataclass
from typing import Any

import jsonschema
import openai
from opentelemetry import trace
from pydantic import ValidationError

from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMailBody
from shared.errors import DeadLetter, RetryLater
from shared.prompts import PromptArtifact, render
from shared.spotlight import truncate
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime.extraction")

EXTRACT_PROMPT = "extract-email"


class InvalidModelOutput(DeadLetter):
    """The model's reply never matched the output schema within the allowed attempts."""

    def __init__(self, message: str, *, model: str, reply: str | None, attempts: int) -> None:
        super().__init__(message)
        # what the run summary reports about a failed run: the evaluator counts it as schema-invalid
        self.model, self.reply, self.attempts = model, reply, attempts


@dataclass(frozen=True)
class ExtractionOutcome:
    extraction: Extraction
    model: str
    attempts: int
    reply: str | None  # the model's reply, verbatim, for the online evaluator's checks
    input_tokens: int
    output_tokens: int
    latency_ms: float


def prompt_variables(mail: AcceptedMailBody, max_body_chars: int = 20_000) -> dict[str, Any]:
    body, _ = truncate(mail.body, max_body_chars)
    return {
        "begin_marker": mail.spotlight.begin,
        "end_marker": mail.spotlight.end,
        "datamark": mail.spotlight.datamark,
        "received_date": mail.received_at.date().isoformat(),
        "sender": mail.sender,
        "subject": mail.subject,
        "body": body,
    }


def parse_reply(content: str | None, schema: dict[str, Any]) -> Extraction:
    """The validated extraction, or ValueError saying what is wrong (fed back to the model on retry)."""
    if not content:
        raise ValueError("the reply was empty")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise ValueError(f"the reply is not JSON ({error.msg} at position {error.pos})") from None
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as error:
        where = "/".join(map(str, error.absolute_path)) or "the object"
        raise ValueError(f"the reply does not match the schema at {where}: {error.message}") from None
    try:
        return Extraction.model_validate(data)
    except ValidationError as error:
        raise ValueError(f"the reply does not match the extraction contract: {error.errors()[0]['msg']}") from None


async def extract_facts(client: openai.AsyncOpenAI, artifact: PromptArtifact, mail: AcceptedMailBody, *,
                        label: str = "production", arm: str = "stable", max_attempts: int = 2,
                        max_body_chars: int = 20_000) -> ExtractionOutcome:
    rendered = render(artifact, prompt_variables(mail, max_body_chars))
    messages: list[dict[str, str]] = list(rendered.messages)
    schema = artifact.output_schema.schema_
    spec = artifact.model
    input_tokens = output_tokens = 0
    started = time.perf_counter()
    for attempt in range(1, max_attempts + 1):
        with tracer.start_as_current_span(f"chat {spec.name}", kind=trace.SpanKind.CLIENT) as span:
            span.set_attributes({
                attributes.GEN_AI_OPERATION_NAME: "chat", attributes.GEN_AI_SYSTEM: "openai",
                attributes.GEN_AI_REQUEST_MODEL: spec.name, "gen_ai.request.temperature": spec.temperature,
                "gen_ai.request.max_tokens": spec.max_tokens, attributes.PROMPT_NAME: artifact.name,
                attributes.PROMPT_VERSION: artifact.version, attributes.PROMPT_LABEL: label,
                attributes.PROMPT_ARM: arm, "mailspine.llm.attempt": attempt,
            })
            call_started = time.perf_counter()
            try:
                response = await client.chat.completions.create(
                    model=spec.name, messages=messages, response_format=rendered.response_format(),  # type: ignore[arg-type]
                    temperature=spec.temperature, max_tokens=spec.max_tokens, seed=spec.seed)
            except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
                    openai.InternalServerError) as error:
                span.set_attribute(attributes.OUTCOME, "unavailable")
                raise RetryLater(f"model endpoint unavailable: {error}") from error
            except openai.APIStatusError as error:
                span.set_attribute(attributes.OUTCOME, "refused")
                raise DeadLetter(f"model endpoint refused the request ({error.status_code}): {error.message}") from error
            usage = response.usage
            if usage is not None:
                input_tokens += usage.prompt_tokens
                output_tokens += usage.completion_tokens
                span.set_attribute(attributes.GEN_AI_USAGE_INPUT_TOKENS, usage.prompt_tokens)
                span.set_attribute(attributes.GEN_AI_USAGE_OUTPUT_TOKENS, usage.completion_tokens)
            span.set_attribute(attributes.GEN_AI_RESPONSE_MODEL, response.model)
            span.set_attribute("mailspine.llm.latency_ms", round((time.perf_counter() - call_started) * 1000, 2))
            content = response.choices[0].message.content if response.choices else None
            try:
                extraction = parse_reply(content, schema)
            except ValueError as problem:
                span.set_attribute(attributes.OUTCOME, "invalid_output")
                span.add_event("invalid_output", {"mailspine.llm.problem": str(problem)[:500]})
                messages = [*messages, {"role": "assistant", "content": content or ""},
                            {"role": "user", "content": f"Your reply was rejected: {problem}. Reply again with "
                                                        "one JSON object that matches the schema, nothing else."}]
                last_problem = problem
                continue
            span.set_attribute(attributes.OUTCOME, "ok")
            return ExtractionOutcome(extraction=extraction, model=response.model, attempts=attempt, reply=content,
                                     input_tokens=input_tokens, output_tokens=output_tokens,
                                     latency_ms=round((time.perf_counter() - started) * 1000, 2))
    raise InvalidModelOutput(f"{artifact.ref} on {spec.name}: no valid reply in {max_attempts} attempts; "
                             f"last problem: {last_problem}", model=response.model, reply=content,
                             attempts=max_attempts)
