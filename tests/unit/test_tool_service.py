"""The tool-service machinery as pure logic: validation, idempotency by call id, deadline, approval binding and
rate limits, with an in-memory result store and the limits library's memory storage; and its subscriber under
FastStream's test broker (results published, bad input dead-lettered while the tool keeps serving)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from faststream.kafka.call_wrapper import KafkaHandlerCallWrapper
from limits.aio.storage import MemoryStorage
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.tool_calls import ToolCallMessage, ToolCallStatus
from shared.contracts.topics import tool_requests
from shared.tool_service import (
    InMemoryCallResults,
    InvalidToolCall,
    RateGate,
    ToolDefinition,
    ToolLimitsFile,
    ToolPublishers,
    ToolReply,
    ToolServiceDeps,
    execute_call,
    provide_tool,
    register_tool,
)
from shared.tool_service.rate_limits import DEFAULT_LIMITS_FILE, ToolLimits
from tests.support.in_memory_broker import answering_before_returning, read_dead_letters, unit_broker
from tests.support.tool_calls import tool_call


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, max_length=100)


class Noted(BaseModel):
    characters: int


@dataclass
class CountingHandler:
    """Records each run, so a test can see an effect happen once."""

    runs: list[str] = field(default_factory=list)

    async def __call__(self, call: ToolCallMessage, arguments: Note) -> ToolReply:
        self.runs.append(arguments.text)
        if arguments.text == "refuse me":
            return ToolReply.refused("the tool's own rule")
        return ToolReply.ok(Noted(characters=len(arguments.text)))


def _definition(consequential: bool = False, max_argument_bytes: int = 1024) -> ToolDefinition[Note]:
    return ToolDefinition(tool="notes", service_name="tool-notes", arguments=Note, consequential=consequential,
                          consumer_group="tool-notes", max_argument_bytes=max_argument_bytes)


def _deps(handler: CountingHandler, gate: RateGate | None = None) -> ToolServiceDeps[Note]:
    return ToolServiceDeps(handler=handler, results=InMemoryCallResults(), rate_gate=gate)


async def test_a_valid_call_runs_once_and_a_repeated_call_id_returns_the_first_result_as_a_duplicate() -> None:
    handler = CountingHandler()
    deps = _deps(handler)
    first = await execute_call(_definition(), deps, tool_call("notes", {"text": "hello"}))
    again = await execute_call(_definition(), deps, tool_call("notes", {"text": "hello"}))

    assert first.result.status == ToolCallStatus.OK and first.result.output == {"characters": 5}
    assert not first.result.duplicate
    assert again.result.duplicate and again.result.output == first.result.output
    assert handler.runs == ["hello"]


async def test_a_call_past_its_deadline_is_expired_without_running_and_may_run_later() -> None:
    handler = CountingHandler()
    deps = _deps(handler)
    late = await execute_call(_definition(), deps, tool_call("notes", {"text": "hi"}, deadline_in=timedelta(-1)))
    on_time = await execute_call(_definition(), deps, tool_call("notes", {"text": "hi"}))

    assert late.result.status == ToolCallStatus.EXPIRED and "deadline" in (late.result.reason or "")
    assert on_time.result.status == ToolCallStatus.OK and not on_time.result.duplicate
    assert handler.runs == ["hi"]


@pytest.mark.parametrize(("approved", "approval_hash", "reason"), [
    (False, None, "needs an approval"),
    (True, "0" * 64, "bound to other arguments"),
])
async def test_a_consequential_call_without_an_approval_of_its_exact_arguments_is_refused(
        approved: bool, approval_hash: str | None, reason: str) -> None:
    handler = CountingHandler()
    call = tool_call("notes", {"text": "pay"}, approved=approved, approval_hash=approval_hash)
    execution = await execute_call(_definition(consequential=True), _deps(handler), call)

    assert execution.result.status == ToolCallStatus.REFUSED
    assert reason in (execution.result.reason or "")
    assert handler.runs == []


async def test_a_consequential_call_approved_for_its_exact_arguments_runs() -> None:
    handler = CountingHandler()
    execution = await execute_call(_definition(consequential=True), _deps(handler), tool_call("notes", {"text": "a"}))

    assert execution.result.status == ToolCallStatus.OK
    assert handler.runs == ["a"]


async def test_a_refusal_by_the_tools_own_rules_is_remembered_like_a_result() -> None:
    handler = CountingHandler()
    deps = _deps(handler)
    for _ in range(2):
        execution = await execute_call(_definition(), deps, tool_call("notes", {"text": "refuse me"}))
    assert execution.result.status == ToolCallStatus.REFUSED and execution.result.duplicate
    assert handler.runs == ["refuse me"]


@pytest.mark.parametrize(("tool", "arguments", "reason"), [
    ("notes", {}, "text: Field required"),
    ("notes", {"text": "x", "extra": 1}, "extra: Extra inputs are not permitted"),
    ("notes", {"text": "x" * 2000}, "exceed this tool's limit"),
    ("other_tool", {"text": "x"}, "names tool 'other_tool'"),
])
async def test_arguments_that_do_not_fit_the_tool_are_an_invalid_call_with_the_reason(
        tool: str, arguments: dict[str, Any], reason: str) -> None:
    handler = CountingHandler()
    with pytest.raises(InvalidToolCall, match=reason.replace("'", ".")):
        await execute_call(_definition(), _deps(handler), tool_call(tool, arguments))
    assert handler.runs == []


def test_the_shipped_limits_file_names_a_rate_for_every_tool_service() -> None:
    limits = ToolLimitsFile.load(DEFAULT_LIMITS_FILE)
    for tool in ("crm_writer", "history", "retriever", "email_sender"):
        assert tool in limits.tools
    assert "recipient" in limits.for_tool("email_sender").per_key


async def test_a_call_over_its_tenants_limit_waits_for_a_slot_and_another_tenant_does_not_wait() -> None:
    gate = RateGate("notes", ToolLimits(per_tenant="2/second", per_key={"recipient": "1/minute"}), MemoryStorage())
    waits = [await gate.wait_for_turn("acme") for _ in range(3)]
    other = await gate.wait_for_turn("globex")

    assert waits[:2] == [0.0, 0.0]
    assert waits[2] > 0.0
    assert other == 0.0
    assert len(gate.scopes("acme", {"recipient": "cust_1", "unconfigured": "x"})) == 2


@dataclass
class ToolUnderTest:
    broker: Any
    publishers: ToolPublishers
    handler: CountingHandler
    dead_letters: KafkaHandlerCallWrapper[Any, Any]


@pytest.fixture
async def notes_tool() -> AsyncIterator[ToolUnderTest]:
    broker = unit_broker("tool-notes")
    publishers = register_tool(broker, _definition())
    dead_letters = read_dead_letters(broker, tool_requests("notes"))
    handler = CountingHandler()
    provide_tool(broker, _deps(handler))
    async with TestKafkaBroker(broker) as test_broker:
        yield ToolUnderTest(answering_before_returning(test_broker, publishers.dispatch), publishers, handler,
                            dead_letters)


async def test_the_subscriber_publishes_each_result_keyed_by_mail_id(notes_tool: ToolUnderTest) -> None:
    call = tool_call("notes", {"text": "hello"}, mail_id="m-7")
    await notes_tool.broker.publish(call.model_dump(mode="json"), tool_requests("notes"), key=b"m-7")

    await notes_tool.publishers.results.assert_called_once_with(key=b"m-7")
    answer = notes_tool.publishers.results.mock.call_args.args[0]
    assert answer["mail_id"] == "m-7"
    assert answer["payload"]["call_id"] == "call-1" and answer["payload"]["status"] == "ok"


async def test_bad_input_is_dead_lettered_with_its_reason_and_the_tool_keeps_serving(
        notes_tool: ToolUnderTest) -> None:
    requests = tool_requests("notes")
    await notes_tool.broker.publish({"tenant": "acme", "mail_id": "m-1", "payload": {"call_id": "c"}}, requests)
    await notes_tool.broker.publish(tool_call("notes", {"text": ""}, call_id="call-2").model_dump(mode="json"),
                                    requests)
    await notes_tool.broker.publish(tool_call("notes", {"text": "fine"}, call_id="call-3").model_dump(mode="json"),
                                    requests)

    letters = [call.args[0] for call in notes_tool.dead_letters.mock.call_args_list]
    assert [letter["error_type"] for letter in letters] == ["ValidationError", "InvalidToolCall"]
    assert "run_id" in letters[0]["error"] and "text: String should have at least 1 character" in letters[1]["error"]
    assert notes_tool.handler.runs == ["fine"]
    assert notes_tool.publishers.results.mock.call_count == 1
