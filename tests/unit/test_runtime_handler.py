"""The runtime's register() in memory, through FastStream's test broker: an accepted mail in becomes a recorded run
and a tool call out; the tool's result in lets the run finish with one run summary; a result no run asked for is
dead-lettered; a review decision resumes a paused run."""

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from faststream.kafka import TestKafkaBroker

from services.runtime.agent_runtime import AgentRuntime
from services.runtime.critic import Verdict
from services.runtime.handlers import provide, register
from services.runtime.settings import RuntimeSettings
from services.runtime.tool_executor import ToolExecutor
from shared.contracts.review import ReviewDecision, ReviewDecisionMessage
from shared.contracts.tool_calls import ToolCallResult, ToolCallResultMessage, ToolCallStatus
from shared.contracts.topics import MAIL_ACCEPTED, REVIEW_DECISIONS, tool_results
from tests.support.in_memory_broker import read_dead_letters, unit_broker
from tests.support.runtime_harness import RuleCritic, ScriptedPlanner, calls, harness
from tests.support.runtime_inputs import accepted_mail

LOOKUP = ("lookup_customer", {"customer_key": "cust_0123456789abcdef01234567"})
REFUND = {"action": "create_refund_case", "customer_address": "<EMAIL_1>", "summary": "Refund AC-1"}


async def _eventually(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def _result(call: dict, status: ToolCallStatus = ToolCallStatus.OK) -> dict:
    payload = call["payload"]
    return ToolCallResultMessage(tenant="acme", mail_id=call["mail_id"], payload=ToolCallResult(
        call_id=payload["call_id"], run_id=payload["run_id"], tool=payload["tool"], status=status,
        output={"found": False})).model_dump(mode="json")


async def test_a_mail_becomes_a_tool_call_and_its_result_ends_the_run_with_one_summary() -> None:
    broker = unit_broker("runtime")
    publishers = register(broker, RuntimeSettings())
    dead_results = read_dead_letters(broker, tool_results("history"))
    h = harness(ScriptedPlanner(calls(LOOKUP)))
    executor = ToolExecutor(h.runtime.deps.store, publishers.tool_call)
    deps = replace(h.runtime.deps, outbound=publishers, executor=executor)
    provide(broker, AgentRuntime(deps))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(accepted_mail().model_dump(mode="json"), MAIL_ACCEPTED, key=b"m-1")
        history_calls = publishers.tool_calls["history"].mock
        await _eventually(lambda: history_calls.call_count == 1)
        call = history_calls.call_args.args[0]
        assert call["payload"]["arguments"] == LOOKUP[1] and call["payload"]["approval"] is None

        await test_broker.publish(_result(call), tool_results("history"), key=b"m-1")
        await _eventually(lambda: publishers.runs.mock.call_count == 1)
        run = publishers.runs.mock.call_args.args[0]["payload"]
        assert (run["outcome"], run["terminal_state"], run["tool_calls"]) == ("no_action", "completed", 1)
        assert publishers.audit_log.mock.call_count >= 4

        stray = _result(call) | {"payload": _result(call)["payload"] | {"call_id": "call-nobody"}}
        await test_broker.publish(stray, tool_results("history"), key=b"m-1")
        dead_results.mock.assert_called_once()
        assert "no run asked for call call-nobody" in dead_results.mock.call_args.args[0]["error"]


async def test_a_review_decision_on_the_topic_resumes_the_paused_run() -> None:
    broker = unit_broker("runtime")
    publishers = register(broker, RuntimeSettings())
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), RuleCritic(write_crm=Verdict.NEEDS_HUMAN))
    executor = ToolExecutor(h.runtime.deps.store, publishers.tool_call)
    deps = replace(h.runtime.deps, outbound=publishers, executor=executor)
    provide(broker, AgentRuntime(deps))
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(accepted_mail().model_dump(mode="json"), MAIL_ACCEPTED, key=b"m-1")
        await _eventually(lambda: publishers.reviews.mock.call_count == 1)
        proposed = publishers.reviews.mock.call_args.args[0]["payload"]["calls"][0]
        decision = ReviewDecisionMessage(tenant="acme", mail_id="m-1", payload=ReviewDecision(
            decision_id="d-1", reviewer="rita", verdict="approve", call_id=proposed["call_id"],
            arguments_hash=proposed["arguments_hash"], decided_at=datetime.now(UTC)))
        await test_broker.publish(decision.model_dump(mode="json"), REVIEW_DECISIONS, key=b"m-1")
        writes = publishers.tool_calls["crm_writer"].mock
        await _eventually(lambda: writes.call_count == 1)
        assert writes.call_args.args[0]["payload"]["approval"]["by"] == "rita"
