"""The one shape of every tool call: ``tool.<name>.requests.v1`` carries a ToolCall, ``tool.<name>.results.v1``
carries its ToolCallResult, correlated by ``call_id``. Each tool's own typed arguments and output live in
``shared/contracts/tools/<tool>.py``; here they travel as validated JSON objects.

A call id is deterministic (run, step, tool, canonical arguments), so a resumed run that proposes the same call
again gets the same id, and the tool, which dedupes by call id, runs the effect once.
"""

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Envelope


def canonical_arguments(arguments: dict[str, Any]) -> str:
    """One text per argument set: sorted keys, no whitespace, so equal arguments hash equal."""
    return json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def arguments_hash(arguments: dict[str, Any]) -> str:
    """What an approval is bound to: approved arguments A can never execute arguments B."""
    return hashlib.sha256(canonical_arguments(arguments).encode()).hexdigest()


def tool_call_id(run_id: str, step: int, tool: str, arguments: dict[str, Any]) -> str:
    digest = hashlib.sha256(f"{run_id}\x00{step}\x00{tool}\x00{canonical_arguments(arguments)}".encode())
    return f"call-{digest.hexdigest()[:24]}"


class Approval(BaseModel):
    """Who allowed a consequential call, bound to the hash of its exact arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: str = Field(min_length=1, description="'critic' for a policy allow, else the reviewer's principal")
    arguments_hash: str = Field(min_length=64, max_length=64)
    decision_id: str | None = Field(default=None, description="the review decision, when a person approved")


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str = Field(min_length=1, max_length=64)
    run_id: str = Field(min_length=1, max_length=128)
    tool: str = Field(min_length=1, max_length=64)
    arguments: dict[str, Any]
    deadline: datetime = Field(description="the caller stops waiting then; a tool drops a call past it")
    thread_id: str | None = None
    approval: Approval | None = Field(default=None, description="required by every tool that changes something")


class ToolCallMessage(Envelope[ToolCall]):
    pass


class ToolCallStatus(StrEnum):
    OK = "ok"
    REFUSED = "refused"  # the tool's own rules said no (unknown customer, recipient not allowed, bad approval)
    FAILED = "failed"  # the tool could not do it (downstream error after its retries)
    EXPIRED = "expired"  # the call arrived after its deadline and was not run


class ToolCallResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    call_id: str
    run_id: str
    tool: str
    status: ToolCallStatus
    output: dict[str, Any] = Field(default_factory=dict, description="the tool's typed output, as JSON")
    reason: str | None = Field(default=None, description="why, for anything but ok")
    duplicate: bool = Field(default=False, description="this call id had run before; output is the first run's")
    rate_limit_wait_ms: float = Field(default=0.0, ge=0, description="how long this call waited for its tool's "
                                      "rate limits (per tenant, per recipient) before it ran")


class ToolCallResultMessage(Envelope[ToolCallResult]):
    pass
