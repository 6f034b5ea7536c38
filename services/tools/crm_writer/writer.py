"""Turns one approved WriteCrm call into the CRM write: the customer's address and the placeholders in the texts
revealed from the PII vault, the customer named by key as well."""

from typing import Protocol

from shared.contracts.crm import CrmWrite, CrmWriteMessage, crm_idempotency_key
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.tools.crm_writer import WriteCrm
from shared.pii_placeholders import PII_PLACEHOLDER

TOOL_NAME = "crm_writer"


class PiiRevealer(Protocol):
    """The PII vault's revealing side (``shared.pii_vault.PiiVault``)."""

    async def reveal(self, mail_id: str, placeholder: str) -> str | None: ...


class CustomerKeyOf(Protocol):
    def __call__(self, address: str) -> str: ...


class UnrevealableAddress(Exception):
    """The customer address is not a placeholder this mail's vault holds: the call is refused with this reason."""


async def reveal_customer_address(vault: PiiRevealer, mail_id: str, placeholder: str) -> str:
    if not PII_PLACEHOLDER.fullmatch(placeholder):
        raise UnrevealableAddress(f"customer_address {placeholder[:40]!r} is not a PII-vault placeholder")
    address = await vault.reveal(mail_id, placeholder)
    if address is None:
        raise UnrevealableAddress(f"the vault holds no {placeholder} for mail {mail_id} (expired or never sealed)")
    return address


async def reveal_text(vault: PiiRevealer, mail_id: str, text: str | None) -> str | None:
    """``text`` with each placeholder the vault holds turned back into its value; unknown ones stay."""
    if text is None:
        return None
    placeholders = {match.group(0) for match in PII_PLACEHOLDER.finditer(text)}
    values = {p: await vault.reveal(mail_id, p) for p in placeholders}
    return PII_PLACEHOLDER.sub(lambda match: values.get(match.group(0)) or match.group(0), text)


async def crm_write_for(call: ToolCallMessage, arguments: WriteCrm, vault: PiiRevealer,
                        customer_key_of: CustomerKeyOf) -> CrmWriteMessage:
    address = await reveal_customer_address(vault, call.mail_id, arguments.customer_address)
    write = CrmWrite(
        idempotency_key=crm_idempotency_key(call.mail_id, arguments.action),
        action=arguments.action,
        customer_address=address,
        customer_key=customer_key_of(address),
        summary=await reveal_text(vault, call.mail_id, arguments.summary) or arguments.summary,
        order_id=arguments.order_id,
        invoice_id=arguments.invoice_id,
        amount=arguments.amount,
        currency=arguments.currency,
        new_address=await reveal_text(vault, call.mail_id, arguments.new_address),
    )
    return CrmWriteMessage(tenant=call.tenant, mail_id=call.mail_id, payload=write)
