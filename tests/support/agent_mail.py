"""An accepted mail and its facts, built the way the gateway and the extraction step would, for unit tests of
the planner and the critic."""

from datetime import UTC, datetime
from typing import Any

from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMail, AcceptedMailBody, GuardrailSummary
from shared.spotlight import spotlight, spotlight_contract

REFUND_FACTS = {"intent": "refund_request", "customer_name": "<PERSON_1>", "company": None, "order_ids": ["AC-1"],
                "invoice_ids": [], "amounts": [{"value": "129.99", "currency": "GBP"}], "dates": [],
                "requested_action": "refund the cracked kettle", "crm_action": "create_refund_case",
                "high_stakes": False}


def accepted_mail(body: str = "Please refund order AC-1, 129.99 GBP.", *, subject: str = "Refund AC-1",
                  flagged: bool = False, tenant: str = "acme") -> AcceptedMail:
    payload = AcceptedMailBody(
        message_id="<m1@example>", thread_id="<m1@example>", mailbox="support@acme.example",
        sender=spotlight("<PERSON_1> <EMAIL_1>"), sender_address="<EMAIL_1>", subject=spotlight(subject),
        body=spotlight(body), spotlight=spotlight_contract(), attachments=[],
        guardrail=GuardrailSummary(verdict="flag" if flagged else "pass", score=0.1, rule_hits=[]),
        requires_human_review=flagged, redacted_entities={}, received_at=datetime(2026, 11, 20, tzinfo=UTC),
        address_keys={"<EMAIL_1>": "cust_0123456789abcdef01234567"})
    return AcceptedMail(tenant=tenant, mail_id="m-1", payload=payload)


def facts(**changes: Any) -> Extraction:
    return Extraction.model_validate(REFUND_FACTS | changes)
