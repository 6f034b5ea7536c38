"""One reply, start to end, with no broker: check the recipients, wait for their rate limit, reveal the
placeholders, hand it to the relay, and return what was sent in the form the topics carry (placeholders kept)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.tools.email_sender.recipient_limit import RecipientGate
from services.tools.email_sender.recipients import CustomerDirectory, allowed_recipients
from services.tools.email_sender.relay_client import MailRelay, build_reply_message
from services.tools.email_sender.revealing import PiiRevealer, reveal_text
from services.tools.email_sender.sent_replies import SentReplies
from shared.contracts.tools.email_sender import SendReply, SentReply


def _now() -> datetime:
    return datetime.now(UTC)


class DeadlinePassed(Exception):
    """The caller stopped waiting while the reply waited for its recipients' rate limit; nothing was sent."""


@dataclass(frozen=True)
class Sent:
    reply: SentReply
    recipient_wait_ms: float = 0.0


@dataclass(frozen=True)
class ReplySender:
    vault: PiiRevealer
    directory: CustomerDirectory
    relay: MailRelay
    sent_replies: SentReplies
    recipient_gate: RecipientGate | None
    from_address: str
    message_id_domain: str
    clock: Callable[[], datetime] = field(default=_now)

    def message_id(self, call_id: str) -> str:
        # one Message-ID per call id: should a reply ever go out twice, the receiving side sees the same message
        return f"<{call_id}@{self.message_id_domain}>"

    async def send(self, *, tenant: str, mail_id: str, call_id: str, reply: SendReply, deadline: datetime) -> Sent:
        """The reply as sent; ReplyRefused (recipient not allowed, unknown placeholder), DeadlinePassed,
        RelayRejected, or RetryLater (relay, vault or CRM unreachable) otherwise. A call id that was sent before
        is not sent again."""
        already = await self.sent_replies.sent(call_id)
        if already is not None:
            return Sent(already)
        recipients = await allowed_recipients(self.vault, self.directory, tenant, mail_id, reply.to)
        addresses = [recipient.address for recipient in recipients]
        waited_ms = 0.0
        if self.recipient_gate is not None:
            waited_ms = await self.recipient_gate.wait_for_turn(tenant, addresses)
            if deadline <= self.clock():
                raise DeadlinePassed(f"deadline {deadline.isoformat()} passed while waiting {waited_ms} ms for the "
                                     "recipients' rate limit; nothing was sent")
        message = build_reply_message(
            from_address=self.from_address, recipients=addresses,
            subject=await reveal_text(self.vault, mail_id, reply.subject),
            body=await reveal_text(self.vault, mail_id, reply.body),
            message_id=self.message_id(call_id), in_reply_to=reply.in_reply_to)
        await self.relay.send(message, addresses)
        sent = SentReply(call_id=call_id, message_id=self.message_id(call_id), in_reply_to=reply.in_reply_to,
                         to=[recipient.named for recipient in recipients], subject=reply.subject, body=reply.body,
                         sent_at=self.clock())
        await self.sent_replies.record(sent)
        return Sent(sent, waited_ms)
