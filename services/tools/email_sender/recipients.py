"""The recipient rule: a reply goes to the mail's sender, or to an address on the sender's CRM record, and to
no one else (a recipient named by the mail's own text could be anyone the attacker chose)."""

from dataclasses import dataclass
from email.utils import parseaddr
from typing import Protocol

from services.tools.email_sender.revealing import PiiRevealer, ReplyRefused, sender_address
from shared.pii_placeholders import is_pii_placeholder


class CustomerDirectory(Protocol):
    """The CRM's read side, as far as the recipient rule needs it."""

    async def addresses_on_record(self, tenant: str, address: str) -> frozenset[str]:
        """Every address on the tenant's CRM record of the customer with ``address``; empty when it has none."""
        ...


@dataclass(frozen=True)
class Recipient:
    named: str  # as the agent wrote it: a placeholder (on topics) ...
    address: str  # ... and the revealed address (to the relay only)


def same_address(left: str, right: str) -> bool:
    # the local part is case-sensitive in theory; no mail system we send to treats it so
    return left.strip().casefold() == right.strip().casefold()


def named_recipients(to: str) -> list[str]:
    """The recipients in ``to``: one placeholder or address, or several separated by commas."""
    names = list(dict.fromkeys(part.strip() for part in to.split(",") if part.strip()))
    if not names:
        raise ReplyRefused("the reply names no recipient")
    return names


def is_plain_address(text: str) -> bool:
    """One bare addr-spec: no display name, no whitespace or line breaks that could smuggle in a header."""
    _, address = parseaddr(text)
    return address == text and "@" in text and not any(character.isspace() for character in text)


async def resolve_recipient(vault: PiiRevealer, mail_id: str, named: str) -> Recipient:
    if not is_pii_placeholder(named):
        if not is_plain_address(named):
            raise ReplyRefused(f"recipient {named[:80]!r} is neither a placeholder nor a plain e-mail address")
        return Recipient(named, named)
    address = await vault.reveal(mail_id, named)
    if address is None:
        raise ReplyRefused(f"the PII vault holds no {named} for mail {mail_id}")
    if not is_plain_address(address):
        raise ReplyRefused(f"recipient {named} does not stand for an e-mail address")
    return Recipient(named, address)


async def allowed_recipients(vault: PiiRevealer, directory: CustomerDirectory, tenant: str, mail_id: str,
                             to: str) -> list[Recipient]:
    """The recipients of ``to``, each checked against the rule; ReplyRefused names the first one not allowed."""
    recipients = [await resolve_recipient(vault, mail_id, named) for named in named_recipients(to)]
    sender = await sender_address(vault, mail_id)
    on_record: frozenset[str] | None = None  # asked only when a recipient is not the sender
    for recipient in recipients:
        if sender is not None and same_address(recipient.address, sender):
            continue
        if on_record is None:
            on_record = await directory.addresses_on_record(tenant, sender) if sender is not None else frozenset()
        if not any(same_address(recipient.address, known) for known in on_record):
            raise ReplyRefused(f"recipient {recipient.named} is neither the mail's sender nor an address on the "
                               "sender's CRM record")
    return recipients
