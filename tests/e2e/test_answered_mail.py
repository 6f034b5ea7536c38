"""A mail the agent answers, end to end on the running stack: its history searched and its customer looked up, the
CRM written and acknowledged, a reply delivered to the relay's maildir and recorded on mail.outbound.v1, the mail
indexed, each of those a span in the mail's one trace; and a later mail of the same customer retrieves it, the hit
named in that later run's trace."""

import asyncio
import email
import email.policy
import mailbox
import uuid
from datetime import timedelta
from typing import Any

import pytest

from cli.trace_story import JaegerQuery, Span
from shared.contracts.topics import AGENT_RUNS, CRM_ACKS, CRM_WRITES, MAIL_OUTBOUND
from shared.mail_history.connection import connect
from shared.mail_history.schema import object_uuid, weaviate_tenant
from shared.mail_publisher import inbound_from_eml, publish_inbound
from shared.settings import WeaviateSettings
from shared.smtp_relay import EMAIL_SENDER_USER
from standins.smtp_relay.maildir_delivery import AUTHENTICATED_AS_HEADER, relay_maildir
from tests.support.helpers import read_until, wait_for

pytestmark = pytest.mark.usefixtures("running_services")

TENANT = "acme"
HIT_MAIL_IDS = "mailspine.retriever.hit_mail_ids"  # services/tools/retriever/handlers.py (services stay unimported)
# every service a mail the agent answers passes through, each with a span in the mail's one trace
SERVICES_OF_AN_ANSWER = {"gateway", "runtime", "tool-retriever", "tool-history", "tool-crm-writer", "crm-standin",
                         "tool-email-sender", "history-indexer"}


def _send(address: str, subject: str, body: str) -> str:
    raw = (f"From: Dana Whitfield <{address}>\r\nTo: support@acme.example\r\nSubject: {subject}\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@northwind.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           f"{body}\r\n").encode()
    mail = inbound_from_eml(raw, source_id="test-mx", tenant=TENANT)
    asyncio.run(publish_inbound([mail]))
    return mail.mail_id


def _of(topic: str, mail_id: str, timeout: float = 180) -> dict[str, Any]:
    records = read_until(topic, lambda rs: any(r.get("mail_id") == mail_id for r in rs), timeout)
    [record] = [r for r in records if r.get("mail_id") == mail_id]
    return record


def _is_indexed(mail_id: str) -> bool:
    with connect(WeaviateSettings.load()) as operator:
        history = operator.collections.use(WeaviateSettings.load().mail_history_collection)
        try:
            return history.with_tenant(weaviate_tenant(TENANT)).query.fetch_object_by_id(object_uuid(mail_id)) \
                is not None
        except Exception:  # noqa: BLE001 - the tenant exists only after its first write
            return False


def _delivered(message_id: str) -> list[email.message.EmailMessage]:
    maildir = mailbox.Maildir(relay_maildir(), factory=None, create=False)
    found = []
    for key in maildir.iterkeys():
        message = email.message_from_bytes(maildir.get_bytes(key), policy=email.policy.default)
        if message["Message-ID"] == message_id:
            assert isinstance(message, email.message.EmailMessage)
            found.append(message)
    return found


def _one_trace(mail_id: str, complete: set[str]) -> list[Span]:
    """The mail's spans once its one trace holds a span of every service in ``complete`` (else [])."""
    jaeger = JaegerQuery()

    def spans() -> list[Span]:
        trace_ids = jaeger.find_trace_ids(mail_id, lookback=timedelta(minutes=15))
        found = jaeger.trace(trace_ids[0]) if len(trace_ids) == 1 else []
        return found if complete <= {s.service for s in found} else []

    found: list[Span] = wait_for(spans, timeout=180, interval=2)
    return found


def _tool_span(spans: list[Span], service: str) -> Span:
    [span] = [s for s in spans if s.service == service and s.name.startswith("execute_tool")]
    return span


def test_an_answered_mail_is_indexed_retrieved_later_looked_up_written_acknowledged_and_replied_in_one_trace(
        ) -> None:
    address = f"dana.{uuid.uuid4().hex[:8]}@northwind.example"
    first = _send(address, "Refund for order AC-558213",
                  "Please refund EUR 418.00 for order AC-558213, the kettle arrived cracked.")

    run = _of(AGENT_RUNS, first)["payload"]
    assert (run["outcome"], run["terminal_state"], run["crm_action"]) == ("crm", "completed", "create_refund_case")
    write = _of(CRM_WRITES, first)["payload"]
    ack = _of(CRM_ACKS, first)["payload"]
    assert ack["idempotency_key"] == write["idempotency_key"] and ack["accepted"] is True, ack
    sent = _of(MAIL_OUTBOUND, first)
    assert address not in str(sent)  # the record names the customer by placeholder
    [delivered] = wait_for(lambda: _delivered(sent["payload"]["message_id"]), timeout=30)
    assert delivered["To"] == address and delivered[AUTHENTICATED_AS_HEADER] == EMAIL_SENDER_USER
    assert wait_for(lambda: _is_indexed(first), timeout=180), f"{first} was never indexed"

    spans = _one_trace(first, SERVICES_OF_AN_ANSWER)
    missing = SERVICES_OF_AN_ANSWER - {s.service for s in spans}
    assert not missing, f"the mail's one trace has no span of {sorted(missing)}"
    for service in ("tool-retriever", "tool-history", "tool-crm-writer", "tool-email-sender"):
        assert _tool_span(spans, service).attributes.get("mailspine.tool.status") == "ok", service
    assert _tool_span(spans, "tool-email-sender").attributes["gen_ai.tool.call.id"] == sent["payload"]["call_id"]

    later = _send(address, "Still no refund for AC-558213",
                  "I wrote about the cracked kettle from order AC-558213. The refund of EUR 418.00 has not arrived.")
    later_spans = _one_trace(later, {"runtime", "tool-retriever"})
    search = _tool_span(later_spans, "tool-retriever")
    assert first in search.attributes.get(HIT_MAIL_IDS, []), search.attributes
