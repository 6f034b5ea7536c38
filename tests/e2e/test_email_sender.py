"""The email sender and the SMTP relay stand-in as running processes: an approved reply to a mail that went
through the gateway lands in the relay's maildir with the real address, is recorded on mail.outbound.v1 with
placeholders and answered on tool.email_sender.results.v1, in the mail's trace; every refusal sends nothing;
the relay takes mail from the email sender's account only."""

import asyncio
import base64
import email
import email.policy
import mailbox
import smtplib
import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from cli.trace_story import JaegerQuery, Span
from infra.local_secrets import kafka_password
from shared.contracts.mail import InboundMail
from shared.contracts.tool_calls import ToolCallMessage, arguments_hash
from shared.contracts.topics import MAIL_ACCEPTED, MAIL_OUTBOUND, tool_results
from shared.mail_publisher import inbound_from_eml, publish_inbound
from shared.pii_placeholders import PII_PLACEHOLDER
from shared.smtp_relay import EMAIL_SENDER_USER, SmtpRelaySettings
from standins.smtp_relay.maildir_delivery import AUTHENTICATED_AS_HEADER, relay_maildir
from tests.support.helpers import read_until, send_mails, wait_for
from tests.support.tool_call_publisher import publish_tool_calls
from tests.support.tool_calls import tool_call

pytestmark = pytest.mark.usefixtures("running_services")

RESULTS = tool_results("email_sender")


def _accepted(mail: InboundMail) -> dict[str, Any]:
    records = read_until(MAIL_ACCEPTED, lambda rs: any(r.get("mail_id") == mail.mail_id for r in rs), 60)
    return next(r for r in records if r.get("mail_id") == mail.mail_id)


def _sender_address(mail: InboundMail) -> str:
    raw = base64.b64decode(mail.payload.raw_b64)
    return str(email.message_from_bytes(raw, policy=email.policy.default)["From"].addresses[0].addr_spec)


def _call(mail: InboundMail, arguments: dict[str, Any], call_id: str, **options: Any) -> ToolCallMessage:
    return tool_call("send_reply", arguments, call_id=call_id, mail_id=mail.mail_id, **options)


def _results_of(call_ids: set[str], count: int) -> list[dict[str, Any]]:
    def ours(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r["payload"] for r in records if r.get("payload", {}).get("call_id") in call_ids]

    return ours(read_until(RESULTS, lambda records: len(ours(records)) >= count, 60))


def _delivered(message_id: str) -> list[EmailMessage]:
    maildir = mailbox.Maildir(relay_maildir(), factory=None, create=False)
    found = []
    for key in maildir.iterkeys():
        message = email.message_from_bytes(maildir.get_bytes(key), policy=email.policy.default)
        if message["Message-ID"] == message_id:
            assert isinstance(message, EmailMessage)
            found.append(message)
    return found


def test_an_approved_reply_reaches_the_relay_revealed_and_is_recorded_with_placeholders_in_the_mails_trace() -> None:
    [mail] = send_mails(1)
    accepted = _accepted(mail)
    sender_placeholder = accepted["payload"]["sender_address"]
    reply = {"to": sender_placeholder, "subject": "Your refund for AC-558213",
             "body": f"Hello,\nwe will write to {sender_placeholder} again once the refund is on its way."}
    call = _call(mail, reply, call_id=f"call-send-{mail.mail_id}")
    publish_tool_calls("email_sender", [call], traceparent=accepted["_headers"].get("traceparent"))

    [result] = _results_of({call.payload.call_id}, 1)
    assert result["status"] == "ok", result
    message_id = result["output"]["message_id"]
    assert result["output"]["delivered_to"] == [sender_placeholder]

    address = _sender_address(mail)
    [delivered] = _delivered(message_id)
    assert delivered["To"] == address
    assert f"write to {address} again" in delivered.get_content()
    assert delivered[AUTHENTICATED_AS_HEADER] == EMAIL_SENDER_USER

    # the agent answers the mail too (its own call id); this test's reply is the one with the test's call id
    def ours(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in records if r.get("mail_id") == mail.mail_id and r["payload"]["call_id"] == result["call_id"]]

    outbound = read_until(MAIL_OUTBOUND, lambda rs: bool(ours(rs)), 30)
    [record] = ours(outbound)
    assert record["payload"]["to"] == [sender_placeholder]
    assert record["payload"]["body"] == reply["body"]
    assert address not in str(record)

    jaeger = JaegerQuery()

    def send_span() -> list[Span]:
        trace_ids = jaeger.find_trace_ids(mail.mail_id, lookback=timedelta(minutes=10))
        if len(trace_ids) != 1:
            return []
        return [s for s in jaeger.trace(trace_ids[0])
                if s.service == "tool-email-sender" and s.name == "execute_tool email_sender"
                and s.attributes.get("gen_ai.tool.call.id") == call.payload.call_id]

    spans = wait_for(send_span, timeout=30)
    assert spans, "the mail's one trace holds no execute_tool span of the email sender"
    assert spans[0].attributes.get("mailspine.tool.status") == "ok"


def test_a_redelivered_call_id_sends_once() -> None:
    [mail] = send_mails(1)
    placeholder = _accepted(mail)["payload"]["sender_address"]
    call = _call(mail, {"to": placeholder, "subject": "Once", "body": "Only once."},
                 call_id=f"call-once-{mail.mail_id}")
    publish_tool_calls("email_sender", [call, call])

    results = _results_of({call.payload.call_id}, 2)
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert [r["duplicate"] for r in results] == [False, True]
    assert len(_delivered(results[0]["output"]["message_id"])) == 1


def test_an_unapproved_or_mismatched_approval_or_a_recipient_not_allowed_sends_nothing() -> None:
    [mail] = send_mails(1)
    placeholder = _accepted(mail)["payload"]["sender_address"]
    reply = {"to": placeholder, "subject": "Hello", "body": "Hello."}
    calls = {
        "needs an approval": _call(mail, reply, call_id=f"call-unapproved-{mail.mail_id}", approved=False),
        "bound to other arguments": _call(mail, reply, call_id=f"call-other-{mail.mail_id}",
                                          approval_hash=arguments_hash({**reply, "body": "Something else."})),
        "neither the mail's sender nor an address on the sender's CRM record": _call(
            mail, {**reply, "to": "attacker@evil.example"}, call_id=f"call-stranger-{mail.mail_id}"),
    }
    publish_tool_calls("email_sender", list(calls.values()))

    results = {r["call_id"]: r for r in _results_of({c.payload.call_id for c in calls.values()}, len(calls))}
    for reason, call in calls.items():
        result = results[call.payload.call_id]
        assert result["status"] == "refused" and reason in result["reason"], result
        assert _delivered(f"<{call.payload.call_id}@mailspine.localhost>") == []
    outbound = read_until(MAIL_OUTBOUND, lambda _: False, 2)
    refused_ids = {c.payload.call_id for c in calls.values()}
    assert not [r for r in outbound if r["payload"].get("call_id") in refused_ids]


def test_an_address_on_the_senders_crm_record_may_receive_and_another_address_from_the_mail_may_not() -> None:
    # Dana and her accounts address are on one CRM record (data/crm/customers.yaml); the other address is not
    token = uuid.uuid4().hex
    raw = ("From: Dana Whitfield <dana.whitfield@northwind.example>\r\nTo: support@acme.example\r\n"
           f"Subject: Invoice copy\r\nMessage-ID: <{token}@northwind.example>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n"
           "Please send the invoice copy to accounts@northwind.example, not to pat.other@elsewhere.example.\r\n")
    mail = inbound_from_eml(raw.encode(), source_id="test-mx", tenant="acme")
    asyncio.run(publish_inbound([mail]))
    accounts, other = [m.group(0) for m in PII_PLACEHOLDER.finditer(_accepted(mail)["payload"]["body"])
                       if m.group(0).startswith("<EMAIL_")][:2]
    reply = {"subject": "Your invoice copy", "body": "Attached as requested."}
    allowed = _call(mail, {**reply, "to": accounts}, call_id=f"call-record-{mail.mail_id}")
    refused = _call(mail, {**reply, "to": other}, call_id=f"call-elsewhere-{mail.mail_id}")
    publish_tool_calls("email_sender", [allowed, refused])

    results = {r["call_id"]: r for r in _results_of({allowed.payload.call_id, refused.payload.call_id}, 2)}
    assert results[allowed.payload.call_id]["status"] == "ok", results
    [delivered] = _delivered(results[allowed.payload.call_id]["output"]["message_id"])
    assert delivered["To"] == "accounts@northwind.example"
    assert results[refused.payload.call_id]["status"] == "refused"
    assert "CRM record" in results[refused.payload.call_id]["reason"]
    assert _delivered(f"<{refused.payload.call_id}@mailspine.localhost>") == []


def _relay_send(login: tuple[str, str] | None) -> None:
    settings = SmtpRelaySettings()
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "x@example.com", "dana@northwind.example", "not allowed"
    message.set_content("This must not be relayed.")
    with smtplib.SMTP(settings.host, settings.port, timeout=10) as smtp:
        smtp.ehlo()
        if login is not None:
            smtp.login(*login)
        smtp.send_message(message)


def test_the_relay_refuses_mail_without_credentials_or_with_another_services_or_a_wrong_password() -> None:
    with pytest.raises(smtplib.SMTPSenderRefused) as no_login:
        _relay_send(None)
    assert no_login.value.smtp_code == 530  # authentication required
    for login in (("tool-crm-writer", kafka_password("tool-crm-writer")),
                  (EMAIL_SENDER_USER, kafka_password(EMAIL_SENDER_USER)),  # its Kafka password is not its SMTP one
                  (EMAIL_SENDER_USER, "guessed")):
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            _relay_send(login)
        assert refused.value.smtp_code == 535
