"""The email sender's register() in memory: an approved send_reply call in, the reply handed to the relay, a
record on mail.outbound.v1 (placeholders kept) and the result out; refusals send nothing."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from services.tools.email_sender.handlers import EmailSenderPublishers, SendReplyHandler, provide, register
from services.tools.email_sender.sending import ReplySender
from services.tools.email_sender.sent_replies import InMemorySentReplies
from services.tools.email_sender.settings import EmailSenderSettings
from shared.contracts.tool_calls import arguments_hash
from shared.contracts.topics import tool_requests
from shared.tool_service import InMemoryCallResults, ToolServiceDeps
from tests.support.email_sender_fakes import SENDER, STRANGER, CrmRecords, RecordingRelay, SealedValues
from tests.support.in_memory_broker import answering_before_returning, unit_broker
from tests.support.tool_calls import tool_call

REQUESTS = tool_requests("email_sender")
REPLY = {"to": "<EMAIL_1>", "subject": "Your refund", "body": "Dear <PERSON_1>, it is on its way."}


@dataclass
class EmailSenderUnderTest:
    broker: KafkaBroker
    publishers: EmailSenderPublishers
    relay: RecordingRelay

    async def call(self, arguments: dict[str, Any], **options: Any) -> dict[str, Any]:
        """Publishes one call; returns the result it was answered with."""
        message = tool_call("send_reply", arguments, **options)
        await self.broker.publish(message.model_dump(mode="json"), REQUESTS, key=b"m-1")
        result: dict[str, Any] = self.publishers.tool.results.mock.call_args.args[0]["payload"]
        return result

    def outbound(self) -> list[dict[str, Any]]:
        return [call.args[0] for call in self.publishers.outbound.mock.call_args_list]


@pytest.fixture
async def email_sender() -> AsyncIterator[EmailSenderUnderTest]:
    broker = unit_broker("tool-email-sender")
    publishers = register(broker, EmailSenderSettings())
    relay = RecordingRelay()
    sender = ReplySender(vault=SealedValues(), directory=CrmRecords(), relay=relay,
                         sent_replies=InMemorySentReplies(), recipient_gate=None,
                         from_address="support@mailspine.localhost", message_id_domain="mailspine.localhost")
    provide(broker, ToolServiceDeps(handler=SendReplyHandler(sender, publishers.outbound),
                                    results=InMemoryCallResults(), rate_gate=None))
    async with TestKafkaBroker(broker) as test_broker:
        yield EmailSenderUnderTest(answering_before_returning(test_broker, publishers.tool.dispatch), publishers, relay)


async def test_an_approved_reply_is_sent_revealed_and_recorded_with_placeholders(
        email_sender: EmailSenderUnderTest) -> None:
    result = await email_sender.call(REPLY)

    assert result["status"] == "ok"
    assert result["output"] == {"message_id": "<call-1@mailspine.localhost>", "delivered_to": ["<EMAIL_1>"]}
    [(message, recipients)] = email_sender.relay.sent
    assert recipients == [SENDER] and "Dear Dana Whitfield," in message.get_content()
    [record] = email_sender.outbound()
    assert record["mail_id"] == "m-1"
    assert record["payload"]["to"] == ["<EMAIL_1>"] and record["payload"]["body"] == REPLY["body"]
    assert SENDER not in str(record) and "Dana" not in str(record)


async def test_a_redelivered_call_id_is_answered_as_a_duplicate_and_sent_once(
        email_sender: EmailSenderUnderTest) -> None:
    await email_sender.call(REPLY)
    again = await email_sender.call(REPLY)

    assert again["status"] == "ok" and again["duplicate"] is True
    assert len(email_sender.relay.sent) == 1
    assert len(email_sender.outbound()) == 1


@pytest.mark.parametrize(("options", "reason"), [
    ({"approved": False}, "needs an approval"),
    ({"approval_hash": arguments_hash({**REPLY, "to": "<EMAIL_3>"})}, "bound to other arguments"),
])
async def test_a_call_without_an_approval_of_its_exact_arguments_sends_nothing(
        email_sender: EmailSenderUnderTest, options: dict[str, Any], reason: str) -> None:
    result = await email_sender.call(REPLY, **options)

    assert result["status"] == "refused" and reason in result["reason"]
    assert email_sender.relay.sent == [] and email_sender.outbound() == []


async def test_a_recipient_not_allowed_is_refused_with_the_reason_and_nothing_is_sent(
        email_sender: EmailSenderUnderTest) -> None:
    result = await email_sender.call({**REPLY, "to": STRANGER})

    assert result["status"] == "refused"
    assert "neither the mail's sender nor an address on the sender's CRM record" in result["reason"]
    assert email_sender.relay.sent == [] and email_sender.outbound() == []
