"""One tool call, start to end, with no broker: validate, dedupe by call id, check deadline and approval, wait
for the rate limit, run the tool's handler, remember the result. The subscriber wraps this in a span."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic

from pydantic import BaseModel, ValidationError

from shared.contracts.tool_calls import (
    ToolCall,
    ToolCallMessage,
    ToolCallResult,
    ToolCallStatus,
    arguments_hash,
    canonical_arguments,
)
from shared.contracts.tools.catalog import TOOL_CATALOG
from shared.errors import DeadLetter
from shared.tool_service.call_results import CallResults
from shared.tool_service.definition import ArgsT, ToolDefinition, ToolHandler, ToolReply
from shared.tool_service.rate_limits import RateGate


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ToolServiceDeps(Generic[ArgsT]):
    handler: ToolHandler[ArgsT]
    results: CallResults
    rate_gate: RateGate | None  # None: not limited (unit tests of a handler)
    clock: Callable[[], datetime] = field(default=_now)


@dataclass(frozen=True)
class Execution:
    result: ToolCallResult
    rate_limit_wait_ms: float = 0.0


class DeadlinePassedBeforeEffect(Exception):
    """A handler found, right before its effect, that the caller's deadline has passed: the call is answered
    EXPIRED and has had no effect (the caller may already have recorded it as expired)."""


def ensure_before_deadline(call: ToolCall, now: datetime) -> None:
    """A consequential handler calls this as the last step before its effect, after every wait (vault, Redis,
    rate limits): the deadline check before the handler is not enough, since the waits after it can outlast
    the deadline, and an effect after the deadline contradicts a caller that has stopped waiting."""
    if call.deadline <= now:
        raise DeadlinePassedBeforeEffect(f"deadline {call.deadline.isoformat()} passed before the effect "
                                         f"(at {now.isoformat()})")


class InvalidToolCall(DeadLetter):
    """A call this tool can never run (unknown tool name, arguments that do not fit its schema, oversize)."""


def tool_names(tool: str) -> set[str]:
    """What a call may name this tool: its service name, or the function name the model knows it by."""
    return {tool} | {spec.function for spec in TOOL_CATALOG if spec.service == tool}


def parse_arguments(definition: ToolDefinition[ArgsT], call: ToolCall) -> ArgsT:
    if call.tool not in tool_names(definition.tool):
        raise InvalidToolCall(f"call {call.call_id} names tool {call.tool[:64]!r}; this is {definition.tool!r}")
    size = len(canonical_arguments(call.arguments).encode())
    if size > definition.max_argument_bytes:
        raise InvalidToolCall(f"call {call.call_id}: arguments of {size} bytes exceed this tool's limit of "
                              f"{definition.max_argument_bytes}")
    try:
        return definition.arguments.model_validate(call.arguments)
    except ValidationError as invalid:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in invalid.errors())
        raise InvalidToolCall(f"call {call.call_id}: invalid {definition.arguments.__name__} arguments: "
                              f"{problems}"[:2000]) from invalid


def approval_refusal(call: ToolCall) -> str | None:
    """Why a consequential call may not run, or None: its approval must be bound to these exact arguments."""
    if call.approval is None:
        return "a consequential call needs an approval (the critic's or a person's); this call has none"
    if call.approval.arguments_hash != arguments_hash(call.arguments):
        return (f"the approval by {call.approval.by} is bound to other arguments (hash "
                f"{call.approval.arguments_hash[:12]}...); these arguments were not approved")
    return None


def _result(call: ToolCall, status: ToolCallStatus, output: BaseModel | None = None,
            reason: str | None = None) -> ToolCallResult:
    return ToolCallResult(call_id=call.call_id, run_id=call.run_id, tool=call.tool, status=status,
                          output=output.model_dump(mode="json") if output is not None else {}, reason=reason)


async def execute_call(definition: ToolDefinition[ArgsT], deps: ToolServiceDeps[ArgsT],
                       message: ToolCallMessage) -> Execution:
    """Only a result the handler produced (ok or refused) is remembered: an expired, unapproved or failed call
    had no effect, so the same call id may run later (with a new deadline, an approval, a recovered CRM)."""
    call = message.payload
    arguments = parse_arguments(definition, call)
    first = await deps.results.first_result(call.call_id)
    if first is not None:
        return Execution(first.model_copy(update={"duplicate": True}))
    if call.deadline <= deps.clock():
        return Execution(_result(call, ToolCallStatus.EXPIRED, reason=f"deadline {call.deadline.isoformat()} passed"))
    if definition.consequential and (refusal := approval_refusal(call)) is not None:
        return Execution(_result(call, ToolCallStatus.REFUSED, reason=refusal))
    waited_ms = 0.0
    if deps.rate_gate is not None:
        waited_ms = await deps.rate_gate.wait_for_turn(message.tenant, definition.extra_limit_keys(message, arguments))
        if call.deadline <= deps.clock():  # the caller stopped waiting while this call waited for its turn
            return Execution(_result(call, ToolCallStatus.EXPIRED,
                                     reason=f"deadline passed while rate limited ({waited_ms} ms)"), waited_ms)
    try:
        reply: ToolReply = await deps.handler(message, arguments)
    except DeadlinePassedBeforeEffect as too_late:
        return Execution(_result(call, ToolCallStatus.EXPIRED, reason=str(too_late)), waited_ms)
    result = _result(call, reply.status, reply.output, reply.reason)
    if reply.status != ToolCallStatus.FAILED:
        result = await deps.results.remember(result)
    return Execution(result, waited_ms)
