"""Delivers every accepted message into one maildir (``mailbox.Maildir``), stamped with who sent it and to whom."""

import asyncio
import mailbox
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import Envelope, Session

from shared.settings import PathSettings

# headers the relay adds, like a Received line would: which account sent it and the envelope recipients
AUTHENTICATED_AS_HEADER = "X-Mailspine-Relay-Authenticated-As"
ENVELOPE_TO_HEADER = "X-Mailspine-Relay-Envelope-To"


def relay_maildir(paths: PathSettings | None = None) -> Path:
    paths = paths or PathSettings()
    return paths.home / "smtp_relay" / "maildir"


class MaildirDelivery:
    """aiosmtpd's handler hooks: DATA writes the message to the maildir, after the relay's own trace headers."""

    def __init__(self, maildir: Path) -> None:
        maildir.parent.mkdir(parents=True, exist_ok=True)  # Maildir creates its own folder, not its parents
        self.maildir = mailbox.Maildir(maildir, create=True)

    def deliver(self, content: bytes, sender_user: str, recipients: list[str]) -> str:
        stamp = (f"{AUTHENTICATED_AS_HEADER}: {sender_user}\r\n"
                 f"{ENVELOPE_TO_HEADER}: {', '.join(recipients)}\r\n").encode()
        return self.maildir.add(stamp + content)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        # aiosmtpd refuses MAIL FROM before AUTH (auth_required), so a session here is always authenticated
        user = str(session.auth_data)
        key = await asyncio.to_thread(self.deliver, envelope.original_content or b"", user, envelope.rcpt_tos)
        return f"250 2.0.0 OK delivered as {key}"
