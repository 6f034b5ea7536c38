from datetime import UTC, datetime

import pytest

from services.runtime.echo_agent import plan_echo, require_spotlighted, review_request
from services.tools.crm_writer.writer import crm_write_for, tool_result_for
from shared.contracts.crm import CrmAction, ToolOutcome, crm_idempotency_key
from shared.contracts.mail import AcceptedMail, AcceptedMailBody, GuardrailSummary
from shared.errors import DeadLetter
from shared.spotlight import spotlight, spotlight_contract


def _accepted(mail_id: str = "m-1", *, body: str | None = None, flagged: bool = False) -> AcceptedMail:
    payload = AcceptedMailBody(
        message_id="<1@x>", thread_id="<1@x>", mailbox="support@acme.example",
        sender=spotlight("<PERSON_1> <EMAIL_1>"), sender_address="<EMAIL_1>",
        subject=spotlight("Refund"), body=body or spotlight("Please refund order AC-558213. " * 50),
        spotlight=spotlight_contract(), attachments=[],
        guardrail=GuardrailSummary(verdict="flag" if flagged else "pass", score=0.6 if flagged else 0.01,
                                   rule_hits=["ignore_instructions"] if flagged else []),
        requires_human_review=flagged, redacted_entities={"EMAIL_ADDRESS": 1, "PERSON": 1},
        received_at=datetime.now(UTC),
    )
    return AcceptedMail(tenant="acme", mail_id=mail_id, payload=payload)


def test_echo_agent_asks_for_one_crm_write_with_a_deterministic_call_id() -> None:
    first, again = plan_echo(_accepted(), summary_chars=100), plan_echo(_accepted(), summary_chars=100)
    assert first.payload.call_id == again.payload.call_id
    assert first.payload.call_id != plan_echo(_accepted("m-2"), summary_chars=100).payload.call_id
    assert first.payload.action == CrmAction.LOG_INTERACTION
    assert first.payload.customer_address == "<EMAIL_1>"  # a placeholder: the runtime never holds the address
    assert first.payload.summary.startswith("Refund\n\nPlease refund order AC-558213.")  # unmarked for people
    assert len(first.payload.summary) == 100
    assert (first.mail_id, first.tenant) == ("m-1", "acme")


def test_the_runtime_refuses_text_that_was_not_spotlighted() -> None:
    require_spotlighted(_accepted())
    with pytest.raises(DeadLetter, match="body reached the runtime without spotlighting"):
        require_spotlighted(_accepted(body="Please refund order AC-558213."))


def test_a_flagged_mail_becomes_a_review_request_carrying_the_proposed_action() -> None:
    mail = _accepted(flagged=True)
    review = review_request(mail, plan_echo(mail, summary_chars=100))
    assert review.payload.proposed.customer_address == "<EMAIL_1>"
    assert "ignore_instructions" in review.payload.reason and "0.6" in review.payload.reason


def test_crm_write_carries_the_revealed_address_and_the_idempotency_key() -> None:
    request = plan_echo(_accepted(), summary_chars=100)
    write = crm_write_for(request, "dana@northwind.example")
    assert write.payload.customer_address == "dana@northwind.example"
    assert write.payload.idempotency_key == crm_idempotency_key("m-1", CrmAction.LOG_INTERACTION)
    result = tool_result_for(request, ToolOutcome.DUPLICATE)
    assert result.payload.call_id == request.payload.call_id
    assert result.payload.idempotency_key == write.payload.idempotency_key
