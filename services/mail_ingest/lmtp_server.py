"""The LMTP side (RFC 2033) on aiosmtpd: recipients checked at RCPT, then one reply per recipient after DATA."""

import asyncio
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import Envelope, Session

from services.mail_ingest.delivery import DeliveryResult, DeliveryStatus, MailIngest

# what aiosmtpd answers, once, when DATA outgrows its limit or a line is too long; LMTP wants one per recipient
_DATA_REFUSALS = ("552 Error: Too much mail data", "500 Line too long")

_REPLIES = {
    DeliveryStatus.DELIVERED: "250 2.0.0",
    DeliveryStatus.UNKNOWN_MAILBOX: "550 5.1.1",
    DeliveryStatus.TOO_LARGE: "552 5.3.4",
    DeliveryStatus.NOT_A_MESSAGE: "554 5.6.0",
    DeliveryStatus.KAFKA_UNAVAILABLE: "451 4.3.0",
    DeliveryStatus.MISCONFIGURED: "451 4.3.5",
}


def lmtp_reply(mailbox: str, result: DeliveryResult) -> str:
    mail = f" as {result.mail_id}" if result.mail_id and result.status == DeliveryStatus.DELIVERED else ""
    text = f"{result.detail}{mail}".replace("\r", " ").replace("\n", " ")
    return f"{_REPLIES[result.status]} <{mailbox}> {text}"


class IngestHandler:
    """aiosmtpd's handler hooks: RCPT accepts only mailboxes the source may deliver for; DATA publishes."""

    def __init__(self, ingest: MailIngest) -> None:
        self.ingest = ingest

    async def handle_RCPT(self, server: Any, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if self.ingest.tenant_for(address) is None:
            return f"550 5.1.1 <{address}> is not a mailbox of source {self.ingest.source_id}"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        results = await asyncio.gather(*(self.ingest.deliver(raw, rcpt) for rcpt in envelope.rcpt_tos))
        # one reply line per accepted recipient, in RCPT order (RFC 2033 4.2)
        return "\r\n".join(lmtp_reply(rcpt, result) for rcpt, result in zip(envelope.rcpt_tos, results, strict=True))


class IngestLMTP(LMTP):
    """aiosmtpd's LMTP, with its DATA refusals repeated once per recipient as LMTP requires."""

    async def push(self, status: str) -> None:  # type: ignore[override]
        envelope = self.envelope
        if status.startswith(_DATA_REFUSALS) and envelope is not None and len(envelope.rcpt_tos) > 1:
            status = "\r\n".join([status] * len(envelope.rcpt_tos))
        await super().push(status)
