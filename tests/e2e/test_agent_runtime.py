"""The agent on the real servers: a refund within the limit is written once with the critic's approval, in one
trace with plan, tool and critic spans and an audit chain that verifies; a refund above the tenant's limit waits
for a person, whose edit is re-checked and executed, whose rejection executes nothing, and whose decision with
another hash is refused; a tool service that is not running lets its calls expire and the run still ends."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cli.audit_command import read_audit_events
from cli.main import main
from cli.trace_story import JaegerQuery, Span
from infra.kafka_acls import REVIEW_DASHBOARD
from shared.audit import distinct_links, verify_chain
from shared.contracts.audit import AuditEvent
from shared.contracts.review import ReviewDecision, ReviewDecisionMessage
from shared.contracts.tool_calls import arguments_hash
from shared.contracts.topics import AGENT_RUNS, CRM_WRITES, REVIEW_DECISIONS, REVIEW_REQUESTS
from shared.mail_publisher import inbound_from_eml, publish_inbound
from tests.support.eval_helpers import publish_as
from tests.support.helpers import read_until, unique_mail, wait_for

pytestmark = pytest.mark.usefixtures("running_services")


def _send(body: str) -> str:
    mail = inbound_from_eml(unique_mail(body=body), source_id="test-mx", tenant="acme")
    asyncio.run(publish_inbound([mail]))
    return mail.mail_id


def _of(mail_id: str, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r.get("mail_id") == mail_id]


def _run_summary(mail_id: str, timeout: float = 90) -> dict[str, Any]:
    runs = _of(mail_id, read_until(AGENT_RUNS, lambda rs: bool(_of(mail_id, rs)), timeout))
    assert len(runs) == 1, runs
    return dict(runs[0]["payload"])


def _audit(mail_id: str, action: str) -> list[AuditEvent]:
    def found() -> list[AuditEvent]:  # the run's own chain (the gateway's links of the mail are another chain)
        events = [e for e in asyncio.run(read_audit_events(mail_id)) if e.chain_id == f"runtime:{mail_id}"]
        return events if any(e.action == action for e in events) else []
    events: list[AuditEvent] = wait_for(found, timeout=60, interval=1)
    assert events, f"no {action} in the audit chain of {mail_id}"
    return distinct_links(events)


def _decide(mail_id: str, proposed: dict[str, Any], verdict: str, *, approved: dict[str, Any],
            edited: dict[str, Any] | None = None) -> None:
    decision = ReviewDecisionMessage(tenant="acme", mail_id=mail_id, payload=ReviewDecision(
        decision_id=uuid.uuid4().hex, reviewer="rita", verdict=verdict,
        call_id=proposed["call_id"], arguments_hash=arguments_hash(approved), edited_arguments=edited,
        decided_at=datetime.now(UTC)))
    publish_as(REVIEW_DASHBOARD, REVIEW_DECISIONS, decision.model_dump(mode="json"), mail_id)


def _proposed_write(mail_id: str) -> dict[str, Any]:
    requests = _of(mail_id, read_until(REVIEW_REQUESTS, lambda rs: bool(_of(mail_id, rs)), 90))
    assert len(requests) == 1, requests
    (call,) = [c for c in requests[0]["payload"]["calls"] if c["function"] == "write_crm"]
    return dict(call)


def test_a_refund_within_the_limit_is_written_once_with_the_critics_approval(capsys: pytest.CaptureFixture[str]
                                                                             ) -> None:
    mail_id = _send("Please refund EUR 418.00 for order AC-558213, the kettle arrived cracked.")
    run = _run_summary(mail_id)
    assert (run["outcome"], run["terminal_state"], run["crm_action"]) == ("crm", "completed", "create_refund_case")
    assert [p["name"] for p in run["prompts"]] == ["extract-email", "plan-actions"]
    writes = _of(mail_id, read_until(CRM_WRITES, lambda _: False, 3))
    assert len(writes) == 1 and writes[0]["payload"]["amount"] in ("418.00", "418")

    chain = _audit(mail_id, "run_ended")
    assert verify_chain(chain)
    verdicts = [e.detail for e in chain if e.action == "critic_verdict"]
    assert {"function": "write_crm", "verdict": "allow"}.items() <= verdicts[0].items()
    results = {e.detail["function"]: e.detail["status"] for e in chain if e.action == "result"}
    assert results["write_crm"] == "ok"
    # the read-only tools ran before the write (a stopped tool's call expires: test_a_stopped_tool...)
    assert results.get("lookup_customer") == "ok" and results.get("search_history") == "ok"
    assert len({e.trace_id for e in chain}) == 1

    main(["audit", mail_id])
    assert f"mail {mail_id}: every chain verifies" in capsys.readouterr().out

    jaeger = JaegerQuery()

    def agent_spans() -> list[Span]:
        trace_ids = jaeger.find_trace_ids(mail_id, lookback=timedelta(minutes=10))
        spans = jaeger.trace(trace_ids[0]) if len(trace_ids) == 1 else []
        names = {s.name for s in spans}
        return spans if {"agent.plan", "execute_tool write_crm", "critic write_crm"} <= names else []

    spans = wait_for(agent_spans, timeout=30)
    assert spans, "plan, tool and critic spans are not in the mail's one trace"
    tool = next(s for s in spans if s.name == "execute_tool write_crm")
    assert tool.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool.attributes["gen_ai.tool.call.id"] == writes[0]["payload"].get("call_id", tool.attributes[
        "gen_ai.tool.call.id"])
    assert any(s.attributes.get("gen_ai.operation.name") == "chat" for s in spans)
    assert chain[0].trace_id == tool.trace_id


def test_a_refund_above_the_limit_waits_for_a_person_whose_edit_is_checked_again_and_executed() -> None:
    mail_id = _send("Please refund EUR 1500.00 for order AC-558213, the whole delivery was broken.")
    proposed = _proposed_write(mail_id)
    assert str(proposed["arguments"]["amount"]) in ("1500.00", "1500")

    _decide(mail_id, proposed, "approve", approved=proposed["arguments"] | {"amount": "15000.00"})
    refused = _audit(mail_id, "decision_refused")
    assert "hash" in next(e for e in refused if e.action == "decision_refused").detail["reason"]

    edited = proposed["arguments"] | {"amount": "900.00"}
    _decide(mail_id, proposed, "edit", approved=edited, edited=edited)
    run = _run_summary(mail_id)
    assert (run["outcome"], run["terminal_state"]) == ("crm", "completed")
    writes = _of(mail_id, read_until(CRM_WRITES, lambda _: False, 3))
    assert len(writes) == 1 and writes[0]["payload"]["amount"] in ("900.00", "900")
    chain = _audit(mail_id, "run_ended")
    assert verify_chain(chain)
    approvals = [e.detail for e in chain if e.action == "approval" and e.detail.get("by") == "rita"]
    assert approvals and approvals[0]["arguments_hash"] == arguments_hash(edited)


def test_a_rejected_refund_executes_nothing() -> None:
    mail_id = _send("Please refund EUR 2400.00 for order AC-558213, nothing in the parcel worked.")
    proposed = _proposed_write(mail_id)
    _decide(mail_id, proposed, "reject", approved=proposed["arguments"])
    run = _run_summary(mail_id)
    assert (run["outcome"], run["terminal_state"]) == ("human_review", "completed")
    assert _of(mail_id, read_until(CRM_WRITES, lambda _: False, 3)) == []
    chain = _audit(mail_id, "run_ended")
    assert verify_chain(chain) and any(e.action == "rejection" and e.detail["by"] == "rita" for e in chain)
