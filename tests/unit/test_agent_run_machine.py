"""The run machine over fakes: plan, critic, execute, people, bounds, expiry and resume, each ending a run in one
stated terminal state with one run summary and an audit chain that verifies."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from services.runtime.critic import Verdict
from services.runtime.run_store import RunStore
from shared.audit import distinct_links, verify_chain
from shared.contracts.review import ReviewDecision, ReviewDecisionMessage
from shared.contracts.tool_calls import ToolCallResult, ToolCallStatus, arguments_hash
from shared.errors import DeadLetter
from tests.support.runtime_harness import Harness, RuleCritic, ScriptedPlanner, Tools, calls, harness
from tests.support.runtime_inputs import accepted_mail

LOOKUP = ("lookup_customer", {"customer_key": "cust_0123456789abcdef01234567"})
SEARCH = ("search_history", {"query": "refund AC-1"})
REFUND: dict[str, Any] = {"action": "create_refund_case", "customer_address": "<EMAIL_1>", "summary": "Refund AC-1",
                          "order_id": "AC-1", "amount": "12.00", "currency": "EUR"}


def _actions(h: Harness) -> list[str]:
    return [event.action for event in distinct_links(h.out.audits)]


def _decision(h: Harness, verdict: str, *, hash_of: dict[str, Any], edited: dict[str, Any] | None = None,
              call_id: str | None = None) -> ReviewDecisionMessage:
    proposed = h.out.reviews[-1].payload.calls[0]
    return ReviewDecisionMessage(tenant="acme", mail_id="m-1", payload=ReviewDecision(
        decision_id=f"d-{verdict}", reviewer="rita", verdict=verdict,
        call_id=call_id or proposed.call_id, arguments_hash=arguments_hash(hash_of), edited_arguments=edited,
        decided_at=datetime.now(UTC)))


async def test_a_refund_reads_first_then_writes_once_with_the_critics_approval() -> None:
    h = harness(ScriptedPlanner(calls(LOOKUP, SEARCH), calls(("write_crm", REFUND))))
    await h.runtime.accept(accepted_mail())
    await h.settle()

    writes = h.tools.calls_to("crm_writer")
    assert len(writes) == 1
    approval = writes[0].payload.approval
    assert approval is not None and approval.by == "critic" and approval.arguments_hash == arguments_hash(REFUND)
    assert {m.payload.tool for m in h.tools.sent} == {"history", "retriever", "crm_writer"}
    assert [c.function for c in h.critic.reviewed] == ["write_crm"]  # read-only calls skip the critic
    assert [o.status for o in h.planner.inputs[-1].observations] == ["ok", "ok", "ok"]
    (summary,) = h.out.summaries
    run = summary.payload
    assert (run.outcome, run.terminal_state, run.crm_action, run.tool_calls) == ("crm", "completed",
                                                                                  "create_refund_case", 3)
    assert [p.name for p in run.prompts] == ["extract-email", "plan-actions"]
    assert run.input_tokens == 100 + 3 * 50
    events = distinct_links(h.out.audits)
    assert verify_chain(events) and {e.chain_id for e in events} == {"runtime:m-1"}
    assert {"proposed", "critic_verdict", "approval", "executed", "result", "run_ended"} <= set(_actions(h))
    assert await RunStore(h.runtime.deps.store.redis).is_done("m-1")
    memory = await h.runtime.deps.memory.read("<1@x>")
    assert memory["mails"][0]["actions"][-1]["function"] == "write_crm"


async def test_a_denied_call_is_not_run_and_the_run_goes_on() -> None:
    h = harness(ScriptedPlanner(calls(("send_reply", {"to": "<EMAIL_9>", "subject": "x", "body": "y"}),
                                      ("write_crm", REFUND))), RuleCritic(send_reply=Verdict.DENY))
    await h.runtime.accept(accepted_mail())
    await h.settle()

    assert h.tools.calls_to("email_sender") == [] and len(h.tools.calls_to("crm_writer")) == 1
    assert [o.status for o in h.planner.inputs[-1].observations] == ["denied", "ok"]
    assert h.out.summaries[0].payload.outcome == "crm"


async def test_a_silent_tool_expires_at_the_deadline_and_the_run_still_ends() -> None:
    h = harness(ScriptedPlanner(calls(SEARCH), calls(("write_crm", REFUND))), tools=Tools(silent={"retriever"}),
                tool_deadline_seconds=0.05)
    await h.runtime.accept(accepted_mail())
    await h.settle()

    observed = h.planner.inputs[1].observations
    assert observed[0].status == "expired" and "deadline" in (observed[0].reason or "")
    assert h.out.summaries[0].payload.terminal_state == "completed"
    assert len(h.tools.calls_to("crm_writer")) == 1


async def test_needs_human_pauses_the_run_and_an_edit_executes_the_edited_arguments_after_the_critic() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), RuleCritic(write_crm=Verdict.NEEDS_HUMAN))
    await h.runtime.accept(accepted_mail())
    await h.settle()

    (request,) = h.out.reviews
    (proposed,) = request.payload.calls
    assert proposed.arguments == REFUND and proposed.arguments_hash == arguments_hash(REFUND)
    assert request.payload.evidence is not None and request.payload.evidence.facts is not None
    assert h.out.summaries == [] and h.tools.calls_to("crm_writer") == []

    edited = REFUND | {"amount": "10.00"}
    refused = await h.runtime.take_decision(_decision(h, "edit", hash_of=REFUND, edited=edited))
    assert refused == "the approved hash is not the hash of the edited arguments"
    assert h.tools.calls_to("crm_writer") == []

    assert await h.runtime.take_decision(_decision(h, "edit", hash_of=edited, edited=edited)) is None
    await h.settle()
    (write,) = h.tools.calls_to("crm_writer")
    assert write.payload.arguments == edited
    assert write.payload.approval is not None and write.payload.approval.by == "rita"
    assert write.payload.approval.arguments_hash == arguments_hash(edited)
    assert [c.arguments for c in h.critic.reviewed] == [REFUND, edited]  # the edit was checked again
    run = h.out.summaries[0].payload
    assert (run.outcome, run.terminal_state) == ("crm", "completed")
    assert {"decision_refused", "edit", "approval"} <= set(_actions(h)) and verify_chain(distinct_links(h.out.audits))


async def test_a_review_request_carries_what_the_agent_looked_up_with_its_results() -> None:
    hit = {"mail_id": "m-0", "subject": "Refund AC-1", "excerpt": "refund <PERSON_1>", "score": 0.8}
    tools = Tools(answers={"retriever": lambda _: {"hits": [hit], "index_version": "v1"},
                           "history": lambda _: {"found": False}})
    h = harness(ScriptedPlanner(calls(LOOKUP, SEARCH), calls(("write_crm", REFUND))),
                RuleCritic(write_crm=Verdict.NEEDS_HUMAN), tools)
    await h.runtime.accept(accepted_mail())
    await h.settle()

    (request,) = h.out.reviews
    assert request.payload.evidence is not None
    lookups = {lookup.function: lookup for lookup in request.payload.evidence.lookups}
    assert set(lookups) == {"lookup_customer", "search_history"}  # the proposed write is not a lookup
    assert lookups["search_history"].arguments == SEARCH[1] and lookups["search_history"].status == "ok"
    assert lookups["search_history"].output["hits"] == [hit]
    assert lookups["lookup_customer"].output == {"found": False}


async def test_an_approval_is_bound_to_the_proposed_arguments_and_a_rejection_executes_nothing() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), RuleCritic(write_crm=Verdict.NEEDS_HUMAN))
    await h.runtime.accept(accepted_mail())
    await h.settle()

    mismatched = await h.runtime.take_decision(_decision(h, "approve", hash_of=REFUND | {"amount": "9999"}))
    assert mismatched == "the approved hash is not the hash of the proposed arguments"
    assert await h.runtime.take_decision(_decision(h, "reject", hash_of=REFUND)) is None
    await h.settle()

    assert h.tools.calls_to("crm_writer") == []
    run = h.out.summaries[0].payload
    assert (run.outcome, run.terminal_state) == ("human_review", "completed")
    assert h.planner.inputs[-1].observations[-1].status == "rejected"


async def test_an_approval_of_the_exact_arguments_executes_them_once() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))), RuleCritic(write_crm=Verdict.NEEDS_HUMAN))
    await h.runtime.accept(accepted_mail())
    await h.settle()
    assert await h.runtime.take_decision(_decision(h, "approve", hash_of=REFUND)) is None
    await h.settle()
    (write,) = h.tools.calls_to("crm_writer")
    assert write.payload.arguments == REFUND and write.payload.approval is not None
    assert write.payload.approval.decision_id == "d-approve"
    again = await h.runtime.take_decision(_decision(h, "approve", hash_of=REFUND, call_id=write.payload.call_id))
    assert again == "no unfinished run for this mail"


@pytest.mark.parametrize(("settings", "planner_steps", "terminal"), [
    ({"max_iterations": 2}, [calls(SEARCH)] * 5, "iteration_limit"),
    ({"max_tool_calls": 2}, [calls(SEARCH, LOOKUP), calls(SEARCH)], "tool_call_limit"),
    ({"max_tokens": 120}, [calls(SEARCH)] * 5, "token_limit"),
    ({"max_run_seconds": 0.0}, [calls(SEARCH)], "time_limit"),
])
async def test_each_bound_ends_the_run_in_its_own_terminal_state(settings: dict[str, Any],
                                                                 planner_steps: list[Any], terminal: str) -> None:
    h = harness(ScriptedPlanner(*planner_steps), **settings)
    await h.runtime.accept(accepted_mail())
    await h.settle()
    (summary,) = h.out.summaries
    assert summary.payload.terminal_state == terminal
    assert verify_chain(distinct_links(h.out.audits))


async def test_a_mail_without_a_valid_extraction_fails_once_and_is_dead_lettered() -> None:
    h = harness(ScriptedPlanner(), extraction={"intent": "nonsense"})
    await h.runtime.accept(accepted_mail())
    await h.settle()
    (summary,) = h.out.summaries
    assert (summary.payload.outcome, summary.payload.terminal_state) == ("failed", "failed")
    assert h.out.dead_letters == ["AgentRunFailed"]


async def test_a_redelivered_mail_is_not_run_twice() -> None:
    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))))
    await h.runtime.accept(accepted_mail())
    await h.settle()
    await h.runtime.accept(accepted_mail())
    await h.settle()
    assert len(h.out.summaries) == 1 and len(h.tools.calls_to("crm_writer")) == 1


async def test_a_restarted_runtime_resumes_a_waiting_run_with_the_same_call_id() -> None:
    first = harness(ScriptedPlanner(calls(("write_crm", REFUND))), tools=Tools(silent={"crm_writer"}))
    await first.runtime.accept(accepted_mail())
    for _ in range(200):  # until the write is out and the run waits for its result
        if first.tools.sent:
            break
        await asyncio.sleep(0.01)
    await first.runtime.scheduler.stop()  # the process dies here

    second = harness(ScriptedPlanner(), redis=first.redis)
    assert await second.runtime.resume_all() == 1
    await second.settle()
    assert [m.payload.call_id for m in second.tools.sent] == [m.payload.call_id for m in first.tools.sent]
    assert second.out.summaries[0].payload.outcome == "crm"
    chain = distinct_links(first.out.audits + second.out.audits)
    assert verify_chain(chain)


async def test_a_run_stopped_before_it_asked_for_review_asks_after_the_restart() -> None:
    first = harness(ScriptedPlanner(calls(("write_crm", REFUND))), RuleCritic(write_crm=Verdict.NEEDS_HUMAN))
    never = asyncio.Event()

    async def dies_while_publishing(message: object) -> None:
        await never.wait()

    first.out.review = dies_while_publishing  # type: ignore[method-assign]
    await first.runtime.accept(accepted_mail())
    for _ in range(200):  # until the pause is saved and the request is on its way out
        state = await first.runtime.deps.store.load("m-1")
        if state is not None and state.phase == "await_review":
            break
        await asyncio.sleep(0.01)
    await first.runtime.scheduler.stop()  # the process dies before the request left

    second = harness(ScriptedPlanner(), RuleCritic(write_crm=Verdict.NEEDS_HUMAN), redis=first.redis)
    assert await second.runtime.resume_all() == 1
    await second.settle()
    (request,) = second.out.reviews
    assert [c.arguments for c in request.payload.calls] == [REFUND]
    assert await second.runtime.resume_all() == 0  # asked once: now it waits for the person


async def test_a_result_no_run_asked_for_is_dead_lettered() -> None:
    h = harness(ScriptedPlanner())
    stray = ToolCallResult(call_id="call-unknown", run_id="m-x", tool="history", status=ToolCallStatus.OK)
    with pytest.raises(DeadLetter, match="no run asked for call call-unknown"):
        await h.runtime.take_result(stray)


async def test_runs_of_one_thread_run_in_order_and_many_threads_at_once() -> None:
    h = harness(ScriptedPlanner(*[calls(SEARCH)] * 0), max_in_flight=64)
    order: list[str] = []
    original = h.runtime.deps.plan

    async def slow_planner(llm: Any, prompts: Any, plan_input: Any) -> Any:
        await asyncio.sleep(0.05 if plan_input.mail.mail_id == "a-1" else 0)
        order.append(plan_input.mail.mail_id)
        return await original(llm, prompts, plan_input)

    h.runtime.deps.plan = slow_planner
    a1, a2 = accepted_mail("a-1"), accepted_mail("a-2")
    other = accepted_mail("b-1")
    other = other.model_copy(update={"payload": other.payload.model_copy(update={"thread_id": "<other@x>"})})
    for mail in (a1, a2, other):
        await h.runtime.accept(mail)
    assert h.runtime.scheduler.in_flight == 3
    await h.settle()
    assert order.index("a-1") < order.index("a-2")  # same thread: in arrival order
    assert order.index("b-1") < order.index("a-1")  # another thread did not wait for it
    assert len(h.out.summaries) == 3


async def test_the_audit_report_shows_each_link_and_says_when_a_chain_is_broken() -> None:
    from cli.audit_command import chain_report

    h = harness(ScriptedPlanner(calls(("write_crm", REFUND))))
    await h.runtime.accept(accepted_mail())
    await h.settle()
    lines, verifies = chain_report(h.out.audits)
    assert verifies and lines[0].startswith("chain runtime:m-1") and "verifies" in lines[0]
    assert any("approval" in line and "by=critic" in line for line in lines)
    tampered = [e.model_copy(update={"detail": {"by": "mallory"}}) if e.action == "approval" else e
                for e in h.out.audits]
    assert chain_report(tampered) == (chain_report(tampered)[0], False)


async def test_a_run_whose_step_keeps_failing_ends_as_failed_instead_of_hanging(monkeypatch: pytest.MonkeyPatch
                                                                                ) -> None:
    from services.runtime import agent_runtime

    monkeypatch.setattr(agent_runtime, "RETRY_SECONDS", (0.0,))

    async def broken_planner(llm: Any, prompts: Any, plan_input: Any) -> Any:
        raise ConnectionError("the model endpoint is down")

    h = harness(ScriptedPlanner())
    h.runtime.deps.plan = broken_planner
    await h.runtime.accept(accepted_mail())
    await h.settle()
    (summary,) = h.out.summaries
    assert (summary.payload.outcome, summary.payload.terminal_state) == ("failed", "failed")
    assert h.out.dead_letters == ["AgentRunFailed"]
