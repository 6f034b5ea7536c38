"""One reply, start to end, with no broker: check the recipients, reveal the placeholders, hand it to the relay,
and return what was sent in the form the topics carry (placeholders kept)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.tools.email_sender.recipients import CustomerDirectory, allowed_recipients
from services.tools.email_sender.relay_client import MailRelay, build_reply_message
from services.tools.email_sender.revealing import PiiRevealer, reveal_text
from services.tools.email_sender.sent_replies import SentReplies
from shared.contracts.tools.email_sender import SendReply, SentReply


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReplySender:
    vault: PiiRevealer
    directory: CustomerDirectory
    relay: MailRelay
    sent_replies: SentReplies
    from_address: str
    message_id_domain: str
    clock: Callable[[], datetime] = field(default=_now)

    def message_id(self, call_id: str) -> str:
        # one Message-ID per call id: should a reply ever go out twice, the receiving side sees the same message
        return f"<{call_id}@{self.message_id_domain}>"

    async def send(self, mail_id: str, call_id: str, reply: SendReply) -> SentReply:
        """The reply as sent; ReplyRefused (recipient not allowed, unknown placeholder), RelayRejected, or
        RetryLater (relay or vault unreachable) otherwise. A call id that was sent before is not sent again."""
        already = await self.sent_replies.sent(call_id)
        if already is not None:
            return already
        recipients = await allowed_recipients(self.vault, self.directory, mail_id, reply.to)
        message = build_reply_message(
            from_address=self.from_address, recipients=[r.address for r in recipients],
            subject=await reveal_text(self.vault, mail_id, reply.subject),
            body=await reveal_text(self.vault, mail_id, reply.body),
            message_id=self.message_id(call_id), in_reply_to=reply.in_reply_to)
        await self.relay.send(message, [r.address for r in recipients])
        sent = SentReply(call_id=call_id, message_id=self.message_id(call_id), in_reply_to=reply.in_reply_to,
                         to=[r.named for r in recipients], subject=reply.subject, body=reply.body,
                         sent_at=self.clock())
        await self.sent_replies.record(sent)
        return sent
