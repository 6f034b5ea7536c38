"""The agent's first step: one LLM call that turns an accepted mail into structured facts.

The prompt comes from the registry as an artifact; the reply must match the artifact's output schema (asked for
with `response_format` json_schema, checked with jsonschema, then with the pydantic contract). An invalid reply
is retried a bounded number of times, each time telling the model what was wrong. Every call is a span with the
GenAI attributes: model, prompt name@version, token counts, latency, outcome.
"""

from dataclasses import dataclass
from typing import Any

import openai
from opentelemetry import trace
from pydantic import ValidationError

from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMailBody
from shared.errors import DeadLetter
from shared.llm_calls import call_until_valid, schema_checked
from shared.prompts import PromptArtifact, render
from shared.spotlight import truncate

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
    data = schema_checked(content, schema)
    try:
        return Extraction.model_validate(data)
    except ValidationError as error:
        raise ValueError(f"the reply does not match the extraction contract: {error.errors()[0]['msg']}") from None


async def extract_facts(client: openai.AsyncOpenAI, artifact: PromptArtifact, mail: AcceptedMailBody, *,
                        label: str = "production", arm: str = "stable", max_attempts: int = 2,
                        max_body_chars: int = 20_000) -> ExtractionOutcome:
    rendered = render(artifact, prompt_variables(mail, max_body_chars))
    schema = artifact.output_schema.schema_
    call = await call_until_valid(client, rendered, lambda content: parse_reply(content, schema), tracer=tracer,
                                  label=label, arm=arm, max_attempts=max_attempts)
    if call.value is None:
        raise InvalidModelOutput(f"{artifact.ref} on {artifact.model.name}: no valid reply in {max_attempts} "
                                 f"attempts; last problem: {call.problem}", model=call.last.model,
                                 reply=call.last.content, attempts=max_attempts)
    return ExtractionOutcome(extraction=call.value, model=call.last.model, attempts=call.attempts,
                             reply=call.last.content, input_tokens=call.input_tokens,
                             output_tokens=call.output_tokens, latency_ms=call.latency_ms)
