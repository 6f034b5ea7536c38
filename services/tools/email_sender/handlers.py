"""The email sender on the tool machinery (shared/tool_service): the machinery checks the arguments, the approval
of exactly these arguments, the deadline, the call id and the tool+tenant rate; this handler does the rest and
records each reply it sent on mail.outbound.v1.

``register`` declares what the email sender consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the machinery its dependencies through the broker's context."""

from dataclasses import dataclass

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace

from services.tools.email_sender.relay_client import RelayRejected
from services.tools.email_sender.revealing import ReplyRefused
from services.tools.email_sender.sending import DeadlinePassed, ReplySender
from services.tools.email_sender.settings import EmailSenderSettings
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.tools.email_sender import SendReply, SendReplyOutput, SentReplyMessage
from shared.contracts.topics import MAIL_OUTBOUND
from shared.tool_service import ToolDefinition, ToolPublishers, ToolReply, ToolServiceDeps, provide_tool, register_tool

TOOL_NAME = "email_sender"
RECIPIENT_RATE_LIMIT_WAIT_MS = "mailspine.tool.recipient_rate_limit_wait_ms"


def tool_definition(settings: EmailSenderSettings) -> ToolDefinition[SendReply]:
    return ToolDefinition(tool=TOOL_NAME, service_name=settings.service_name, arguments=SendReply,
                          consequential=True, consumer_group=settings.consumer_group,
                          description="Send one approved reply through the outbound relay, to the mail's sender "
                                      "or an address on the sender's CRM record.")


@dataclass(frozen=True)
class EmailSenderPublishers:
    tool: ToolPublishers
    outbound: DefaultPublisher


@dataclass(frozen=True)
class SendReplyHandler:
    """The handler the machinery runs for an approved, in-time, first-seen call."""

    sender: ReplySender
    outbound: DefaultPublisher

    async def __call__(self, call: ToolCallMessage, arguments: SendReply) -> ToolReply:
        try:
            sent = await self.sender.send(tenant=call.tenant, mail_id=call.mail_id, call_id=call.payload.call_id,
                                          reply=arguments, deadline=call.payload.deadline)
        except ReplyRefused as refused:
            return ToolReply.refused(refused.reason)
        except (DeadlinePassed, RelayRejected) as not_sent:
            return ToolReply.failed(str(not_sent))
        trace.get_current_span().set_attribute(RECIPIENT_RATE_LIMIT_WAIT_MS, sent.recipient_wait_ms)
        record = SentReplyMessage(tenant=call.tenant, mail_id=call.mail_id, payload=sent.reply)
        await self.outbound.publish(record.model_dump(mode="json"), key=call.mail_id.encode())
        return ToolReply.ok(SendReplyOutput(message_id=sent.reply.message_id, delivered_to=sent.reply.to))


def register(broker: KafkaBroker, settings: EmailSenderSettings) -> EmailSenderPublishers:
    tool = register_tool(broker, tool_definition(settings))
    title = f"{MAIL_OUTBOUND}:{settings.service_name}"
    outbound = broker.publisher(MAIL_OUTBOUND, schema=SentReplyMessage, title=title,
                                description="Each reply handed to the outbound relay, placeholders kept (the relay "
                                            "received the revealed addresses); key = mail id.")
    return EmailSenderPublishers(tool=tool, outbound=outbound)


def provide(broker: KafkaBroker, deps: ToolServiceDeps[SendReply]) -> None:
    provide_tool(broker, deps)
