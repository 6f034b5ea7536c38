"""Golden mails (data/golden/) as a mail server would deliver them: RFC 5322, to a mailbox the source may serve,
each with a Message-ID of its own so the gateway never takes a bench mail for a replay."""

import itertools
import uuid
from email.message import EmailMessage

from shared.contracts.golden import GoldenMail
from shared.contracts.mail import InboundMail
from shared.golden import load_golden
from shared.mail_publisher import inbound_for_mailbox


def golden_inbound(count: int, *, source_id: str, tenant: str, mailbox: str) -> list[InboundMail]:
    """``count`` mails, cycling through the golden set in its order."""
    run = uuid.uuid4().hex[:10]
    rows = itertools.islice(itertools.cycle(load_golden()), count)
    return [_inbound(row, f"<{row.id}.{run}.{i}@bench.mailspine.example>", source_id, tenant, mailbox)
            for i, row in enumerate(rows)]


def _inbound(row: GoldenMail, message_id: str, source_id: str, tenant: str, mailbox: str) -> InboundMail:
    message = EmailMessage()
    message["From"] = row.mail.from_
    message["To"] = mailbox  # the golden mails name other companies' mailboxes; the tenant's policy decides here
    message["Subject"] = row.mail.subject
    message["Message-ID"] = message_id
    message.set_content(row.mail.body, subtype="html" if row.mail.format == "html" else "plain")
    return inbound_for_mailbox(message.as_bytes(), source_id=source_id, tenant=tenant, mailbox=mailbox,
                               message_id=message_id)
