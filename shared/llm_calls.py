"""What every schema-checked model call does the same way: the `chat <model>` span's GenAI attributes, the call
with the error taxonomy (unreachable: RetryLater; refused: DeadLetter), and the JSON-schema check of the reply,
whose message is fed back to the model on a retry."""

import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import jsonschema
import openai
from opentelemetry import trace

from shared.errors import DeadLetter, RetryLater
from shared.prompts import PromptArtifact, RenderedPrompt
from shared.tracing import attributes

ParsedT = TypeVar("ParsedT")


@dataclass(frozen=True)
class RequestedToolCall:
    """One function call as the model asked for it: the arguments are its raw JSON text, not yet validated."""

    id: str
    function: str
    arguments: str


@dataclass(frozen=True)
class ChatReply:
    content: str | None
    model: str
    input_tokens: int
    output_tokens: int
    tool_calls: tuple[RequestedToolCall, ...] = ()


def chat_attributes(artifact: PromptArtifact, *, label: str, arm: str, attempt: int) -> dict[str, Any]:
    spec = artifact.model
    return {attributes.GEN_AI_OPERATION_NAME: "chat", attributes.GEN_AI_SYSTEM: "openai",
            attributes.GEN_AI_REQUEST_MODEL: spec.name, "gen_ai.request.temperature": spec.temperature,
            "gen_ai.request.max_tokens": spec.max_tokens, attributes.PROMPT_NAME: artifact.name,
            attributes.PROMPT_VERSION: artifact.version, attributes.PROMPT_LABEL: label,
            attributes.PROMPT_ARM: arm, "mailspine.llm.attempt": attempt}


async def create_chat(client: openai.AsyncOpenAI, rendered: RenderedPrompt, messages: list[dict[str, Any]],
                      span: trace.Span, tools: list[dict[str, Any]] | None = None) -> ChatReply:
    """One completion with the artifact's model parameters, and either its output schema or, when ``tools`` are
    given, those tools to call (OpenAI tool-calling protocol); usage, response model and latency go on ``span``."""
    spec = rendered.artifact.model
    # the tools go verbatim (extra_body: the same JSON body): they are wire JSON already, and the client's request
    # transform would walk every nested schema on every planning call, a large share of the runtime's CPU per run
    shape: dict[str, Any] = ({"extra_body": {"tools": tools}} if tools
                             else {"response_format": rendered.response_format()})
    started = time.perf_counter()
    try:
        # openai types messages, tools and response_format as TypedDicts; ours are the same shapes as plain dicts
        response = await client.chat.completions.create(
            model=spec.name, messages=messages, temperature=spec.temperature,  # type: ignore[arg-type]
            max_tokens=spec.max_tokens, seed=spec.seed, **shape)
    except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
            openai.InternalServerError) as error:
        span.set_attribute(attributes.OUTCOME, "unavailable")
        raise RetryLater(f"model endpoint unavailable: {error}") from error
    except openai.APIStatusError as error:
        span.set_attribute(attributes.OUTCOME, "refused")
        raise DeadLetter(f"model endpoint refused the request ({error.status_code}): {error.message}") from error
    usage = response.usage
    input_tokens, output_tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
    if usage is not None:
        span.set_attribute(attributes.GEN_AI_USAGE_INPUT_TOKENS, input_tokens)
        span.set_attribute(attributes.GEN_AI_USAGE_OUTPUT_TOKENS, output_tokens)
    span.set_attribute(attributes.GEN_AI_RESPONSE_MODEL, response.model)
    span.set_attribute("mailspine.llm.latency_ms", round((time.perf_counter() - started) * 1000, 2))
    message = response.choices[0].message if response.choices else None
    return ChatReply(content=message.content if message else None, model=response.model, input_tokens=input_tokens,
                     output_tokens=output_tokens, tool_calls=_requested_tool_calls(message))


def _requested_tool_calls(message: Any) -> tuple[RequestedToolCall, ...]:
    calls = getattr(message, "tool_calls", None) or []
    return tuple(RequestedToolCall(id=str(call.id), function=str(call.function.name),
                                   arguments=str(call.function.arguments or ""))
                 for call in calls if getattr(call, "function", None) is not None)


def schema_checked(content: str | None, schema: dict[str, Any]) -> Any:
    """The reply parsed and checked against ``schema``, or ValueError saying what is wrong."""
    if not content:
        raise ValueError("the reply was empty")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise ValueError(f"the reply is not JSON ({error.msg} at position {error.pos})") from None
    problem = jsonschema.exceptions.best_match(_validator(json.dumps(schema, sort_keys=True)).iter_errors(data))
    if problem is not None:
        where = "/".join(map(str, problem.absolute_path)) or "the object"
        raise ValueError(f"the reply does not match the schema at {where}: {problem.message}")
    return data


@functools.lru_cache(maxsize=64)
def _validator(schema_text: str) -> jsonschema.protocols.Validator:
    """One checked, compiled validator per schema: building one (and checking the schema) costs far more than
    validating a reply, and every run validates against the same few schemas."""
    schema = json.loads(schema_text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def correction(content: str | None, problem: ValueError) -> list[dict[str, str]]:
    """The turns that tell the model its reply was rejected, and why."""
    return [{"role": "assistant", "content": content or ""},
            {"role": "user", "content": f"Your reply was rejected: {problem}. Reply again with one JSON object that "
                                        "matches the schema, nothing else."}]


@dataclass(frozen=True)
class CheckedCall(Generic[ParsedT]):
    """The outcome of calling until a reply parses: ``value`` is None when no attempt gave a valid reply."""

    value: ParsedT | None
    last: ChatReply
    attempts: int
    input_tokens: int
    output_tokens: int
    latency_ms: float
    problem: ValueError | None


async def call_until_valid(client: openai.AsyncOpenAI, rendered: RenderedPrompt,
                           parse: Callable[[str | None], ParsedT], *, tracer: trace.Tracer, label: str, arm: str,
                           max_attempts: int,
                           span_facts: Callable[[ParsedT], dict[str, Any]] | None = None) -> CheckedCall[ParsedT]:
    """Up to ``max_attempts`` calls, each a ``chat <model>`` span; a reply that ``parse`` refuses (ValueError) is
    sent back with the reason. Unreachable or refusing endpoints raise (RetryLater, DeadLetter). ``span_facts``
    adds attributes of a valid reply to its span."""
    artifact = rendered.artifact
    messages = list(rendered.messages)
    input_tokens = output_tokens = 0
    started = time.perf_counter()
    problem: ValueError | None = None
    for attempt in range(1, max_attempts + 1):
        with tracer.start_as_current_span(f"chat {artifact.model.name}", kind=trace.SpanKind.CLIENT) as span:
            span.set_attributes(chat_attributes(artifact, label=label, arm=arm, attempt=attempt))
            reply = await create_chat(client, rendered, messages, span)
            input_tokens += reply.input_tokens
            output_tokens += reply.output_tokens
            try:
                value = parse(reply.content)
            except ValueError as error:
                span.set_attribute(attributes.OUTCOME, "invalid_output")
                span.add_event("invalid_output", {"mailspine.llm.problem": str(error)[:500]})
                messages = [*messages, *correction(reply.content, error)]
                problem = error
                continue
            span.set_attributes({attributes.OUTCOME: "ok", **(span_facts(value) if span_facts else {})})
            return CheckedCall(value, reply, attempt, input_tokens, output_tokens,
                               round((time.perf_counter() - started) * 1000, 2), None)
    return CheckedCall(None, reply, max_attempts, input_tokens, output_tokens,
                       round((time.perf_counter() - started) * 1000, 2), problem)
