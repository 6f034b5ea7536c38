"""A consequential call's result and the run's record agree: the run waits a grace past the deadline for a result
in flight, and a result that comes later anyway corrects the record (audit link, new run summary) instead of
leaving it saying "expired" about a write that happened."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.runtime.run_state import StepCall
from services.runtime.tool_executor import give_up_at
from shared.audit import distinct_links, verify_chain
from shared.contracts.tool_calls import ToolCallResult, ToolCallStatus
from tests.support.runtime_harness import Harness, ScriptedPlanner, Tools, calls, harness
from tests.support.runtime_inputs import accepted_mail

REFUND: dict[str, Any] = {"action": "create_refund_case", "customer_address": "<EMAIL_1>", "summary": "Refund AC-1",
                          "order_id": "AC-1", "amount": "12.00", "currency": "EUR"}
WRITTEN = {"idempotency_key": "m-1:create_refund_case", "published": True}


def _call(consequential: bool, deadline: datetime) -> StepCall:
    return StepCall(call_id="c-1", function="write_crm", service="crm_writer", arguments={}, arguments_hash="h",
                    consequential=consequential, deadline=deadline)


def test_a_consequential_call_is_waited_for_a_grace_past_its_deadline_and_a_read_only_one_is_not() -> None:
    deadline, grace = datetime(2026, 12, 2, 12, 0, tzinfo=UTC), timedelta(seconds=30)
    assert give_up_at(_call(True, deadline), grace) == deadline + grace
    assert give_up_at(_call(False, deadline), grace) == deadline


async def _write_sent(h: Harness) -> str:
    for _ in range(300):
        if sent := h.tools.calls_to("crm_writer"):
            return sent[0].payload.call_id
        await asyncio.sleep(0.01)
    raise AssertionError("the write was never sent")


def _written(call_id: str, status: ToolCallStatus = ToolCallStatus.OK) -> ToolCallResult:
    return ToolCallResult(call_id=call_id, run_id="m-1", tool="crm_writer", status=status,
                          output=WRITTEN if status == ToolCallStatus.OK else {})


async def test_a_write_whose_result_arrives_after_the_deadline_but_within_the_grace_is_recorded_as_done() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), tools=Tools(silent={"crm_writer"}),
                tool_deadline_seconds=0.05, consequential_result_grace_seconds=5.0)
    await h.runtime.accept(accepted_mail())
    call_id = await _write_sent(h)
    await asyncio.sleep(0.2)  # past the deadline: the CRM writer ran just before it, its result is in flight
    await h.runtime.take_result(_written(call_id))
    await h.settle()

    [summary] = h.out.summaries
    assert summary.payload.outcome == "crm"
    results = [e.detail for e in distinct_links(h.out.audits) if e.action == "result"]
    assert [r["status"] for r in results] == ["ok"]


async def test_a_write_whose_result_comes_after_the_run_gave_up_corrects_the_finished_runs_record() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), tools=Tools(silent={"crm_writer"}),
                tool_deadline_seconds=0.05, consequential_result_grace_seconds=0.05)
    await h.runtime.accept(accepted_mail())
    call_id = await _write_sent(h)
    await h.settle()
    assert [s.payload.outcome for s in h.out.summaries] == ["no_action"]  # what the run saw: an expired write

    await h.runtime.take_result(_written(call_id))  # the write had happened after all
    await h.settle()

    assert [s.payload.outcome for s in h.out.summaries] == ["no_action", "crm"]
    links = distinct_links(h.out.audits)
    [corrected] = [e.detail for e in links if e.action == "result_corrected"]
    assert (corrected["call_id"], corrected["recorded"], corrected["status"]) == (call_id, "expired", "ok")
    assert verify_chain(links)

    await h.runtime.take_result(_written(call_id))  # a redelivery of the same result changes nothing more
    assert len(h.out.summaries) == 2


async def test_a_late_result_without_an_effect_leaves_the_record_as_it_is() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), tools=Tools(silent={"crm_writer"}),
                tool_deadline_seconds=0.05, consequential_result_grace_seconds=0.05)
    await h.runtime.accept(accepted_mail())
    call_id = await _write_sent(h)
    await h.settle()

    await h.runtime.take_result(_written(call_id, ToolCallStatus.EXPIRED))  # the tool refused it as too late

    assert [s.payload.outcome for s in h.out.summaries] == ["no_action"]
    assert "result_corrected" not in [e.action for e in distinct_links(h.out.audits)]


async def test_a_write_whose_result_is_kept_while_its_run_goes_on_is_corrected_by_the_run_itself_before_it_ends(
        ) -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), tools=Tools(silent={"crm_writer"}),
                tool_deadline_seconds=0.05, consequential_result_grace_seconds=0.05)
    original = h.runtime.deps.plan

    async def planner_while_the_result_comes_back(llm: Any, prompts: Any, plan_input: Any) -> Any:
        if plan_input.observations:  # the write was recorded as expired; its result reaches the runtime now
            await h.runtime.take_result(_written(h.tools.calls_to("crm_writer")[0].payload.call_id))
        return await original(llm, prompts, plan_input)

    h.runtime.deps.plan = planner_while_the_result_comes_back
    await h.runtime.accept(accepted_mail())
    await h.settle()

    assert [s.payload.outcome for s in h.out.summaries] == ["crm"]  # one summary, saying what happened
    links = distinct_links(h.out.audits)
    assert [e.detail["recorded"] for e in links if e.action == "result_corrected"] == ["expired"]
    assert verify_chain(links)
