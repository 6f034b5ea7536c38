"""A tool call waiting for its tenant's turn holds a task, never the consumer: calls of one tenant run in order,
other tenants' calls behind them in the partition go on, and a partition's offset is committed only past calls
that were answered (so a crash while calls wait redelivers them)."""

import asyncio
from dataclasses import dataclass, field

from aiokafka import TopicPartition
from faststream.kafka import TestKafkaBroker
from pydantic import BaseModel, ConfigDict

from shared.broker import OffsetLedger
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.topics import tool_requests
from shared.keyed_tasks import KeyedScheduler
from shared.tool_service import (
    InMemoryCallResults,
    ToolDefinition,
    ToolReply,
    ToolServiceDeps,
    provide_tool,
    register_tool,
)
from tests.support.in_memory_broker import unit_broker
from tests.support.tool_calls import tool_call


@dataclass
class RecordingCommitter:
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(offsets)


async def test_an_offset_is_committed_only_past_answered_calls_whatever_order_they_finish_in() -> None:
    ledger, consumer = OffsetLedger(), RecordingCommitter()
    for offset in (10, 11, 12):
        ledger.begin("tool.notes.requests.v1", 0, offset)

    await ledger.finish_and_commit(consumer, "tool.notes.requests.v1", 0, 11)  # another tenant's, done first
    await ledger.finish_and_commit(consumer, "tool.notes.requests.v1", 0, 12)
    assert consumer.commits == []  # offset 10 still waits: a crash now redelivers 10, 11 and 12
    assert ledger.pending("tool.notes.requests.v1", 0) == {10}

    await ledger.finish_and_commit(consumer, "tool.notes.requests.v1", 0, 10)
    assert consumer.commits == [{TopicPartition("tool.notes.requests.v1", 0): 13}]


async def test_partitions_commit_independently_and_never_go_back() -> None:
    ledger, consumer = OffsetLedger(), RecordingCommitter()
    ledger.begin("t", 0, 5)
    ledger.begin("t", 1, 7)
    await ledger.finish_and_commit(consumer, "t", 1, 7)
    await ledger.finish_and_commit(consumer, "t", 1, 7)  # finished twice (a redelivery ran it again)
    assert consumer.commits == [{TopicPartition("t", 1): 8}]


async def test_work_of_one_key_runs_in_order_and_a_blocked_key_does_not_hold_another() -> None:
    scheduler, done = KeyedScheduler(max_in_flight=10), []
    gate = asyncio.Event()

    async def blocked(name: str) -> None:
        await gate.wait()
        done.append(name)

    async def free(name: str) -> None:
        done.append(name)

    await scheduler.submit("a1", "tenant-a", lambda: blocked("a1"))
    await scheduler.submit("a2", "tenant-a", lambda: free("a2"))
    await scheduler.submit("b1", "tenant-b", lambda: free("b1"))
    await asyncio.sleep(0.01)
    assert done == ["b1"]

    gate.set()
    await scheduler.idle()
    assert done == ["b1", "a1", "a2"]


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str


@dataclass
class TenantTurns:
    """A handler whose tenant "slow" waits until released, standing in for a tenant over its rate limit."""

    released: asyncio.Event = field(default_factory=asyncio.Event)
    runs: list[str] = field(default_factory=list)

    async def __call__(self, call: ToolCallMessage, arguments: Note) -> ToolReply:
        if call.tenant == "slow":
            await self.released.wait()
        self.runs.append(arguments.text)
        return ToolReply.ok(Note(text=arguments.text))


async def test_a_tenant_waiting_for_its_turn_does_not_hold_the_calls_of_another_tenant_behind_it() -> None:
    broker = unit_broker("tool-notes")
    publishers = register_tool(broker, ToolDefinition(tool="notes", service_name="tool-notes", arguments=Note,
                                                      consequential=False, consumer_group="tool-notes"))
    handler = TenantTurns()
    provide_tool(broker, ToolServiceDeps(handler=handler, results=InMemoryCallResults(), rate_gate=None))
    async with TestKafkaBroker(broker) as test_broker:
        for n in range(3):
            call = tool_call("notes", {"text": f"slow-{n}"}, call_id=f"call-slow-{n}", tenant="slow")
            await test_broker.publish(call.model_dump(mode="json"), tool_requests("notes"), key=b"m-1")
        fast = tool_call("notes", {"text": "fast"}, call_id="call-fast", tenant="fast")
        await test_broker.publish(fast.model_dump(mode="json"), tool_requests("notes"), key=b"m-1")

        await asyncio.sleep(0.05)  # no I/O under the test broker: the fast call's task has run by now
        assert publishers.results.mock.call_count == 1
        assert handler.runs == ["fast"]  # the consumer took it while every "slow" call still waited

        handler.released.set()
        await publishers.dispatch.idle()
        answered = [call.args[0]["payload"]["call_id"] for call in publishers.results.mock.call_args_list]
    assert handler.runs == ["fast", "slow-0", "slow-1", "slow-2"]  # one tenant's calls keep their order
    assert answered == ["call-fast", "call-slow-0", "call-slow-1", "call-slow-2"]

