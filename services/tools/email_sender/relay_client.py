"""Hands one reply to the outbound relay over SMTP, logged in as the email sender's own relay account.

smtplib (the standard library) in a worker thread: one short session per reply, so nothing to keep alive."""

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from shared.errors import RetryLater
from shared.smtp_relay import SmtpRelaySettings


class RelayRejected(Exception):
    """The relay answered with a permanent refusal (5xx); sending the same message again would not help."""


class MailRelay(Protocol):
    async def send(self, message: EmailMessage, recipients: list[str]) -> None: ...


def build_reply_message(*, from_address: str, recipients: list[str], subject: str, body: str, message_id: str,
                        in_reply_to: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = ", ".join(recipients)
    # a header may not break lines; a subject the model wrote over two lines becomes one
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = message_id
    message["Date"] = formatdate(usegmt=True)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message.set_content(body)
    return message


class SmtpRelayClient:
    def __init__(self, settings: SmtpRelaySettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage, recipients: list[str]) -> None:
        """Delivered to the relay, or RelayRejected (5xx), or RetryLater (unreachable, or a 4xx answer)."""
        await asyncio.to_thread(self._send, message, recipients)

    def _send(self, message: EmailMessage, recipients: list[str]) -> None:
        user, password = self.settings.login()
        try:
            with smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.settings.timeout_seconds) as smtp:
                smtp.ehlo()
                smtp.login(user, password)
                smtp.send_message(message, to_addrs=recipients)
        except smtplib.SMTPRecipientsRefused as refused:
            codes = {code for code, _ in refused.recipients.values()}
            if all(400 <= code < 500 for code in codes):
                raise RetryLater(f"the relay deferred every recipient: {sorted(codes)}") from refused
            raise RelayRejected(f"the relay refused the recipients (codes {sorted(codes)})") from refused
        except smtplib.SMTPResponseException as answer:  # login, sender or data refused
            text = answer.smtp_error.decode(errors="replace") if isinstance(answer.smtp_error, bytes) \
                else str(answer.smtp_error)
            if 400 <= answer.smtp_code < 500:
                raise RetryLater(f"the relay deferred the reply: {answer.smtp_code} {text}") from answer
            raise RelayRejected(f"the relay refused the reply: {answer.smtp_code} {text}") from answer
        except (OSError, smtplib.SMTPException) as exc:  # unreachable, or the connection dropped
            raise RetryLater(f"the SMTP relay at {self.settings.host}:{self.settings.port} is unreachable: "
                             f"{type(exc).__name__}: {exc}") from exc
