"""The model's tool calls, checked before anyone may run them: an unknown function, arguments that are not JSON
or do not validate against the tool's arguments model, or a repeat of a call this run already made, is dropped
with its reason (the planner records it on its span); nothing the model names is executed unchecked."""

import json
from dataclasses import dataclass

from pydantic import ValidationError

from services.runtime.planning.steps import Observation, PlannedCall
from shared.contracts.tool_calls import canonical_arguments
from shared.contracts.tools.catalog import tool_by_function
from shared.llm_calls import RequestedToolCall


@dataclass(frozen=True)
class DroppedCall:
    function: str
    reason: str


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(map(str, first['loc'])) or 'arguments'}: {first['msg']}"


def validate_call(requested: RequestedToolCall) -> PlannedCall | DroppedCall:
    try:
        spec = tool_by_function(requested.function)
    except KeyError:
        return DroppedCall(requested.function, f"unknown function {requested.function!r}")
    try:
        raw = json.loads(requested.arguments or "{}")
    except json.JSONDecodeError as error:
        return DroppedCall(requested.function, f"arguments are not JSON ({error.msg})")
    if not isinstance(raw, dict):
        return DroppedCall(requested.function, "arguments are not a JSON object")
    try:
        arguments = spec.arguments.model_validate(raw)
    except ValidationError as error:
        return DroppedCall(requested.function, f"arguments do not validate: {_problem(error)}")
    return PlannedCall(spec.function, arguments.model_dump(mode="json", exclude_none=True))


def accept_tool_calls(requested: tuple[RequestedToolCall, ...], observations: tuple[Observation, ...]
                      ) -> tuple[tuple[PlannedCall, ...], tuple[DroppedCall, ...]]:
    """The valid, new calls in the model's order, and the dropped ones with why."""
    seen = {(o.function, canonical_arguments(o.arguments)) for o in observations}
    calls: list[PlannedCall] = []
    dropped: list[DroppedCall] = []
    for each in requested:
        checked = validate_call(each)
        if isinstance(checked, DroppedCall):
            dropped.append(checked)
            continue
        key = (checked.function, canonical_arguments(checked.arguments))
        if key in seen:
            dropped.append(DroppedCall(checked.function, "the same call was already made in this run"))
            continue
        seen.add(key)
        calls.append(checked)
    return tuple(calls), tuple(dropped)
