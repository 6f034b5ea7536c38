"""The CRM's own rules for a write, as a real CRM would enforce them: a known action, a customer it knows or may
create, the fields each action needs, and amounts that are sums of money. Pure: a write in, a reason or None."""

import re
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict

ACTIONS = frozenset({"log_interaction", "create_refund_case", "update_address", "create_lead", "escalate_legal",
                     "cancel_contract", "flag_invoice_dispute"})
# a case stays open until someone works it; the other actions are recorded as interactions only
OPENS_A_CASE = frozenset({"create_refund_case", "escalate_legal", "cancel_contract", "flag_invoice_dispute"})
# these change an existing customer; any other action creates the customer when it is new
NEEDS_KNOWN_CUSTOMER = frozenset({"update_address", "cancel_contract"})
NEEDS_AMOUNT = frozenset({"create_refund_case"})
REQUIRED_FIELDS = {"update_address": ("new_address",), "flag_invoice_dispute": ("invoice_id",)}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


class IncomingWrite(BaseModel):
    """A write as the CRM reads it: leniently, so a wrong value is rejected with a reason instead of failing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    idempotency_key: str
    action: str
    customer_address: str
    customer_key: str | None = None
    summary: str = ""
    order_id: str | None = None
    invoice_id: str | None = None
    amount: str | None = None
    currency: str | None = None
    new_address: str | None = None


def _amount_problem(write: IncomingWrite) -> str | None:
    if write.amount is None:
        return f"{write.action} needs an amount and a currency" if write.action in NEEDS_AMOUNT else None
    try:
        amount = Decimal(write.amount)
    except InvalidOperation:
        return f"amount {write.amount[:40]!r} is not a number"
    if not amount.is_finite() or amount < 0:
        return f"amount {write.amount[:40]} must be zero or more"
    if write.currency is None or not _CURRENCY.fullmatch(write.currency):
        return f"currency {str(write.currency)[:10]!r} is not a three-letter code (ISO 4217)"
    return None


def write_problem(write: IncomingWrite, customer_known: bool) -> str | None:
    """Why the CRM refuses this write, or None when it accepts it."""
    if write.action not in ACTIONS:
        return f"unknown action {write.action[:60]!r}"
    if not _ADDRESS.fullmatch(write.customer_address):
        return "the customer address is not an e-mail address"
    if write.action in NEEDS_KNOWN_CUSTOMER and not customer_known:
        return f"{write.action} needs a known customer; this address is on no customer record"
    missing = [name for name in REQUIRED_FIELDS.get(write.action, ()) if not getattr(write, name)]
    if missing:
        return f"{write.action} needs {', '.join(missing)}"
    if not write.summary.strip():
        return "the summary is empty"
    return _amount_problem(write)
