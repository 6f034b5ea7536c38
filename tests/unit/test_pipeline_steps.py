from datetime import UTC, datetime

from services.runtime.echo_agent import plan_echo
from services.tools.crm_writer.writer import crm_write_for, tool_result_for
from shared.contracts.crm import CrmAction, ToolOutcome, crm_idempotency_key
from shared.contracts.mail import AcceptedMail, AcceptedMailBody


def _accepted(mail_id: str = "m-1") -> AcceptedMail:
    body = AcceptedMailBody(message_id="<1@x>", mailbox="support@acme.example", sender="dana@northwind.example",
                            subject="Refund", body_text="Please refund order AC-558213." * 50,
                            received_at=datetime.now(UTC))
    return AcceptedMail(tenant="acme", mail_id=mail_id, payload=body)


def test_echo_agent_asks_for_one_crm_write_with_a_deterministic_call_id() -> None:
    first, again = plan_echo(_accepted(), summary_chars=100), plan_echo(_accepted(), summary_chars=100)
    assert first.payload.call_id == again.payload.call_id
    assert first.payload.call_id != plan_echo(_accepted("m-2"), summary_chars=100).payload.call_id
    assert first.payload.action == CrmAction.LOG_INTERACTION
    assert first.payload.customer_address == "dana@northwind.example"
    assert first.payload.summary.startswith("Refund")
    assert len(first.payload.summary) == 100
    assert (first.mail_id, first.tenant) == ("m-1", "acme")


def test_crm_write_carries_the_idempotency_key_of_mail_and_action() -> None:
    request = plan_echo(_accepted(), summary_chars=100)
    write = crm_write_for(request)
    assert write.payload.idempotency_key == crm_idempotency_key("m-1", CrmAction.LOG_INTERACTION)
    assert write.mail_id == "m-1"
    result = tool_result_for(request, ToolOutcome.DUPLICATE)
    assert result.payload.call_id == request.payload.call_id
    assert result.payload.idempotency_key == write.payload.idempotency_key
