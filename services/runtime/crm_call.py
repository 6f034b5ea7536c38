"""The CRM-writer tool call of today's direct path: a WriteCrm call with the decision's approval bound to its
exact arguments (the deterministic decision is the policy that allowed it), a deadline and a deterministic id."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from shared.contracts.crm import CrmAction
from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMail
from shared.contracts.tool_calls import Approval, ToolCall, ToolCallMessage, arguments_hash, tool_call_id
from shared.contracts.tools.crm_writer import WriteCrm

TOOL = "crm_writer"
# how long the run waits for the tool's answer; the tool answers a call that arrives later EXPIRED
DEADLINE = timedelta(minutes=10)


def write_crm_arguments(mail: AcceptedMail, action: CrmAction, summary: str, facts: Extraction) -> WriteCrm:
    amount = facts.amounts[0] if facts.amounts else None
    return WriteCrm(action=action, customer_address=mail.payload.sender_address,  # a placeholder; the tool reveals
                    summary=summary, order_id=next(iter(facts.order_ids), None),
                    invoice_id=next(iter(facts.invoice_ids), None),
                    amount=Decimal(amount.value) if amount else None, currency=amount.currency if amount else None)


def approved_crm_call(mail: AcceptedMail, arguments: WriteCrm) -> ToolCallMessage:
    values = arguments.model_dump(mode="json", exclude_none=True)
    call = ToolCall(call_id=tool_call_id(mail.mail_id, 0, TOOL, values), run_id=mail.mail_id, tool=TOOL,
                    arguments=values, deadline=datetime.now(UTC) + DEADLINE, thread_id=mail.payload.thread_id,
                    approval=Approval(by="critic", arguments_hash=arguments_hash(values)))
    return ToolCallMessage(tenant=mail.tenant, mail_id=mail.mail_id, payload=call)
