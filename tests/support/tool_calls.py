"""Tool calls as a caller would send them, for the tool services' tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.tool_calls import Approval, ToolCall, ToolCallMessage, arguments_hash


def tool_call(tool: str, arguments: dict[str, Any], *, call_id: str = "call-1", mail_id: str = "m-1",
              tenant: str = "acme", approved: bool = True, deadline_in: timedelta = timedelta(minutes=5),
              approval_hash: str | None = None) -> ToolCallMessage:
    """A call with a deadline ahead and (unless ``approved=False``) the critic's approval of these arguments."""
    approval = None
    if approved:
        approval = Approval(by="critic", arguments_hash=approval_hash or arguments_hash(arguments))
    call = ToolCall(call_id=call_id, run_id=f"run-{mail_id}", tool=tool, arguments=arguments,
                    deadline=datetime.now(UTC) + deadline_in, approval=approval)
    return ToolCallMessage(tenant=tenant, mail_id=mail_id, payload=call)
