"""The email sender's logic with fake ports: who may receive a reply, what the relay gets (real values) and
what the topics get (placeholders), and that a call id is sent once."""

from datetime import UTC, datetime

import pytest

from services.tools.email_sender.revealing import ReplyRefused
from services.tools.email_sender.sending import ReplySender
from services.tools.email_sender.sent_replies import InMemorySentReplies
from shared.contracts.tools.email_sender import SendReply
from tests.support.email_sender_fakes import COLLEAGUE, MAIL_ID, SENDER, CrmRecords, RecordingRelay, SealedValues

SENT_AT = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def reply_sender(relay: RecordingRelay, directory: CrmRecords | None = None) -> ReplySender:
    return ReplySender(vault=SealedValues(), directory=directory or CrmRecords(), relay=relay,
                       sent_replies=InMemorySentReplies(), from_address="support@mailspine.localhost",
                       message_id_domain="mailspine.localhost", clock=lambda: SENT_AT)


async def test_a_reply_to_the_sender_reaches_the_relay_revealed_and_is_recorded_with_placeholders() -> None:
    relay = RecordingRelay()
    reply = SendReply(to="<EMAIL_1>", subject="Your refund, <PERSON_1>", body="Dear <PERSON_1>,\nit is on its way.",
                      in_reply_to="<abc@northwind.example>")

    sent = await reply_sender(relay).send(MAIL_ID, "call-1", reply)

    [(message, recipients)] = relay.sent
    assert recipients == [SENDER]
    assert message["To"] == SENDER
    assert message["Subject"] == "Your refund, Dana Whitfield"
    assert "Dear Dana Whitfield," in message.get_content()
    assert message["In-Reply-To"] == "<abc@northwind.example>"
    assert message["Message-ID"] == "<call-1@mailspine.localhost>"
    assert sent.to == ["<EMAIL_1>"]
    assert sent.body == reply.body and sent.subject == reply.subject
    assert "Dana" not in sent.model_dump_json() and SENDER not in sent.model_dump_json()


async def test_an_address_on_the_senders_crm_record_may_receive_named_by_placeholder_or_address() -> None:
    relay, directory = RecordingRelay(), CrmRecords()
    sender = reply_sender(relay, directory)

    await sender.send(MAIL_ID, "call-1", SendReply(to="<EMAIL_2>", subject="Invoice", body="Attached."))
    await sender.send(MAIL_ID, "call-2", SendReply(to=f"<EMAIL_1>, {COLLEAGUE}", subject="Invoice", body="Hi."))

    assert [recipients for _, recipients in relay.sent] == [[COLLEAGUE], [SENDER, COLLEAGUE]]
    assert directory.asked == [SENDER, SENDER]  # the record looked up is the sender's


@pytest.mark.parametrize("to", ["<EMAIL_3>", "attacker@evil.example", "<EMAIL_1>, <EMAIL_3>"])
async def test_a_recipient_neither_the_sender_nor_on_the_crm_record_is_refused_and_nothing_is_sent(to: str) -> None:
    relay = RecordingRelay()
    with pytest.raises(ReplyRefused, match="neither the mail's sender nor an address on the sender's CRM record"):
        await reply_sender(relay).send(MAIL_ID, "call-1", SendReply(to=to, subject="Hi", body="Hello."))
    assert relay.sent == []


async def test_without_a_crm_record_only_the_sender_may_receive() -> None:
    relay, no_records = RecordingRelay(), CrmRecords(records=[])
    sender = reply_sender(relay, no_records)
    await sender.send(MAIL_ID, "call-1", SendReply(to="<EMAIL_1>", subject="Hi", body="Hello."))
    with pytest.raises(ReplyRefused):
        await sender.send(MAIL_ID, "call-2", SendReply(to="<EMAIL_2>", subject="Hi", body="Hello."))
    assert len(relay.sent) == 1


@pytest.mark.parametrize(("to", "reason"), [
    ("<PERSON_1>", "does not stand for an e-mail address"),
    ("<EMAIL_9>", "holds no <EMAIL_9>"),
    ("Dana <dana@northwind.example>", "neither a placeholder nor a plain e-mail address"),
    ("dana@northwind.example\r\nBcc: x@evil.example", "neither a placeholder nor a plain e-mail address"),
    (" , ", "names no recipient"),
])
async def test_a_recipient_that_is_not_one_plain_address_is_refused(to: str, reason: str) -> None:
    relay = RecordingRelay()
    with pytest.raises(ReplyRefused, match=reason):
        await reply_sender(relay).send(MAIL_ID, "call-1", SendReply(to=to, subject="Hi", body="Hello."))
    assert relay.sent == []


async def test_a_placeholder_the_vault_does_not_hold_for_this_mail_refuses_the_reply() -> None:
    relay = RecordingRelay()
    with pytest.raises(ReplyRefused, match="holds no <PERSON_7>"):
        await reply_sender(relay).send(MAIL_ID, "call-1", SendReply(to="<EMAIL_1>", subject="Hi",
                                                                     body="Dear <PERSON_7>"))
    assert relay.sent == []


async def test_a_call_id_that_was_sent_is_answered_from_the_record_and_not_sent_again() -> None:
    relay = RecordingRelay()
    sender = reply_sender(relay)
    reply = SendReply(to="<EMAIL_1>", subject="Hi", body="Hello.")
    first = await sender.send(MAIL_ID, "call-1", reply)
    again = await sender.send(MAIL_ID, "call-1", reply)
    assert again == first
    assert len(relay.sent) == 1
