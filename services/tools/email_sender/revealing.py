"""Turns the placeholders of a reply back into the values the gateway sealed for its mail; a placeholder the
vault does not hold for that mail refuses the reply (better no mail than one that says "<PERSON_1>")."""

from typing import Protocol

from shared.pii_placeholders import PII_PLACEHOLDER
from shared.pii_vault import SENDER_ADDRESS_FIELD


class ReplyRefused(Exception):
    """The reply may not be sent; the reason goes back to the agent as a REFUSED result."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PiiRevealer(Protocol):
    """The PII vault's revealing side (``shared.pii_vault.PiiVault``)."""

    async def reveal(self, mail_id: str, placeholder: str) -> str | None: ...


async def reveal_text(vault: PiiRevealer, mail_id: str, text: str) -> str:
    """``text`` with every placeholder replaced by its sealed value."""
    values: dict[str, str] = {}
    for placeholder in sorted({match.group(0) for match in PII_PLACEHOLDER.finditer(text)}):
        value = await vault.reveal(mail_id, placeholder)
        if value is None:
            raise ReplyRefused(f"the PII vault holds no {placeholder} for mail {mail_id} (expired, or a "
                               "placeholder of another mail)")
        values[placeholder] = value
    return PII_PLACEHOLDER.sub(lambda match: values[match.group(0)], text)


async def sender_address(vault: PiiRevealer, mail_id: str) -> str | None:
    """The address the mail came from, as the gateway sealed it; None when it had none or it expired."""
    return await vault.reveal(mail_id, SENDER_ADDRESS_FIELD)
