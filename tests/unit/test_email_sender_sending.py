"""The email sender's logic with fake ports: who may receive a reply, what the relay gets (real values) and
what the topics get (placeholders), that a call id is sent once, and the per-recipient rate limit."""

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from limits import parse
from limits.aio.storage import MemoryStorage

from services.tools.email_sender.crm_directory import CrmReadApi
from services.tools.email_sender.recipient_limit import RecipientGate
from services.tools.email_sender.revealing import ReplyRefused
from services.tools.email_sender.sending import DeadlinePassed, ReplySender, Sent
from services.tools.email_sender.sent_replies import InMemorySentReplies
from shared.contracts.tools.email_sender import SendReply
from tests.support.email_sender_fakes import COLLEAGUE, MAIL_ID, SENDER, CrmRecords, RecordingRelay, SealedValues

SENT_AT = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
DEADLINE = SENT_AT + timedelta(minutes=5)


def reply_sender(relay: RecordingRelay, directory: CrmRecords | None = None,
                 gate: RecipientGate | None = None) -> ReplySender:
    return ReplySender(vault=SealedValues(), directory=directory or CrmRecords(), relay=relay,
                       sent_replies=InMemorySentReplies(), recipient_gate=gate,
                       from_address="support@mailspine.localhost", message_id_domain="mailspine.localhost",
                       clock=lambda: SENT_AT)


async def send(sender: ReplySender, reply: SendReply, call_id: str = "call-1",
               deadline: datetime = DEADLINE) -> Sent:
    return await sender.send(tenant="acme", mail_id=MAIL_ID, call_id=call_id, reply=reply, deadline=deadline)


def hello(to: str) -> SendReply:
    return SendReply(to=to, subject="Hi", body="Hello.")


async def test_a_reply_to_the_sender_reaches_the_relay_revealed_and_is_recorded_with_placeholders() -> None:
    relay = RecordingRelay()
    reply = SendReply(to="<EMAIL_1>", subject="Your refund, <PERSON_1>", body="Dear <PERSON_1>,\nit is on its way.",
                      in_reply_to="<abc@northwind.example>")

    sent = (await send(reply_sender(relay), reply)).reply

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

    await send(sender, hello("<EMAIL_2>"), "call-1")
    await send(sender, hello(f"<EMAIL_1>, {COLLEAGUE}"), "call-2")

    assert [recipients for _, recipients in relay.sent] == [[COLLEAGUE], [SENDER, COLLEAGUE]]
    assert directory.asked == [SENDER, SENDER]  # the record looked up is the sender's


@pytest.mark.parametrize("to", ["<EMAIL_3>", "attacker@evil.example", "<EMAIL_1>, <EMAIL_3>"])
async def test_a_recipient_neither_the_sender_nor_on_the_crm_record_is_refused_and_nothing_is_sent(to: str) -> None:
    relay = RecordingRelay()
    with pytest.raises(ReplyRefused, match="neither the mail's sender nor an address on the sender's CRM record"):
        await send(reply_sender(relay), hello(to))
    assert relay.sent == []


async def test_without_a_crm_record_only_the_sender_may_receive() -> None:
    relay = RecordingRelay()
    sender = reply_sender(relay, CrmRecords(records=[]))
    await send(sender, hello("<EMAIL_1>"), "call-1")
    with pytest.raises(ReplyRefused):
        await send(sender, hello("<EMAIL_2>"), "call-2")
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
        await send(reply_sender(relay), hello(to))
    assert relay.sent == []


async def test_a_placeholder_the_vault_does_not_hold_for_this_mail_refuses_the_reply() -> None:
    relay = RecordingRelay()
    with pytest.raises(ReplyRefused, match="holds no <PERSON_7>"):
        await send(reply_sender(relay), SendReply(to="<EMAIL_1>", subject="Hi", body="Dear <PERSON_7>"))
    assert relay.sent == []


async def test_a_call_id_that_was_sent_is_answered_from_the_record_and_not_sent_again() -> None:
    relay = RecordingRelay()
    sender = reply_sender(relay)
    first = await send(sender, hello("<EMAIL_1>"))
    again = await send(sender, hello("<EMAIL_1>"))
    assert again.reply == first.reply
    assert len(relay.sent) == 1


async def test_a_recipient_over_its_rate_waits_for_a_slot_and_another_recipient_does_not() -> None:
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        await storage.reset()  # the window frees up once the gate has waited

    storage = MemoryStorage()
    gate = RecipientGate("email_sender", parse("1/minute"), storage, b"k" * 32, sleep=sleep)
    relay = RecordingRelay()
    sender = reply_sender(relay, gate=gate)

    first = await send(sender, hello("<EMAIL_1>"), "call-1")
    other = await send(sender, hello("<EMAIL_2>"), "call-2")
    again = await send(sender, hello("<EMAIL_1>"), "call-3")

    assert (first.recipient_wait_ms, other.recipient_wait_ms) == (0.0, 0.0)
    assert again.recipient_wait_ms > 0 and len(sleeps) == 1
    assert len(relay.sent) == 3
    assert SENDER not in gate.recipient_key(SENDER)
    assert gate.recipient_key(SENDER) == gate.recipient_key("DANA@northwind.example")


async def test_a_reply_whose_deadline_passed_while_it_waited_for_its_recipient_is_not_sent() -> None:
    gate = RecipientGate("email_sender", parse("1/minute"), MemoryStorage(), b"k" * 32)
    relay = RecordingRelay()
    with pytest.raises(DeadlinePassed):
        await send(reply_sender(relay, gate=gate), hello("<EMAIL_1>"), deadline=SENT_AT)
    assert relay.sent == []


async def test_the_crm_directory_asks_the_read_api_by_address_with_its_token_and_reads_the_records_addresses() -> None:
    seen: list[httpx.Request] = []

    def crm(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if json.loads(request.content)["address"] != SENDER:
            return httpx.Response(404)
        return httpx.Response(200, json={
            "tenant": "acme", "customer_id": "C-1", "customer_key": "cust_" + "0" * 24, "open_cases": [],
            "interactions": [], "addresses": [{"address": SENDER, "customer_key": "cust_" + "0" * 24},
                                              {"address": COLLEAGUE, "customer_key": "cust_" + "1" * 24}]})

    directory = CrmReadApi(httpx.AsyncClient(base_url="http://crm", transport=httpx.MockTransport(crm),
                                             headers={"Authorization": "Bearer t0ken"}))
    assert await directory.addresses_on_record("acme", SENDER) == {SENDER, COLLEAGUE}
    assert await directory.addresses_on_record("acme", "nobody@example.com") == frozenset()
    assert seen[0].url.path == "/v1/tenants/acme/customers/by-address"
    assert seen[0].headers["Authorization"] == "Bearer t0ken"
    assert SENDER not in str(seen[0].url)  # the address travels in the body, not in URLs and access logs
