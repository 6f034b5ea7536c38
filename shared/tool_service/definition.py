"""What a tool service declares (its name, typed arguments, whether it changes something) and what its handler
answers: ok with its typed output, or refused / failed with a reason."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

from shared.contracts.tool_calls import ToolCallMessage, ToolCallStatus

ArgsT = TypeVar("ArgsT", bound=BaseModel)
ArgsContraT = TypeVar("ArgsContraT", bound=BaseModel, contravariant=True)

# a tool call's arguments above this size (canonical JSON) are dead-lettered before anything else looks at them
DEFAULT_MAX_ARGUMENT_BYTES = 64 * 1024


@dataclass(frozen=True)
class ToolReply:
    """A handler's answer. Build it with ``ok``, ``refused`` or ``failed``."""

    status: ToolCallStatus
    output: BaseModel | None = None
    reason: str | None = None

    @classmethod
    def ok(cls, output: BaseModel) -> "ToolReply":
        return cls(ToolCallStatus.OK, output=output)

    @classmethod
    def refused(cls, reason: str) -> "ToolReply":
        """The tool's own rules said no; remembered like an ok (the same call is refused again)."""
        return cls(ToolCallStatus.REFUSED, reason=reason)

    @classmethod
    def failed(cls, reason: str) -> "ToolReply":
        """The tool could not do it (a downstream error after retries); not remembered, so a retry may succeed."""
        return cls(ToolCallStatus.FAILED, reason=reason)


class ToolHandler(Protocol[ArgsContraT]):
    async def __call__(self, call: ToolCallMessage, arguments: ArgsContraT) -> ToolReply: ...


class ExtraLimitKeys(Protocol[ArgsContraT]):
    """Further rate-limit scopes of one call beyond tool and tenant, e.g. ``{"recipient": customer_key}``."""

    def __call__(self, call: ToolCallMessage, arguments: ArgsContraT) -> Mapping[str, str]: ...


def no_extra_limit_keys(call: ToolCallMessage, arguments: BaseModel) -> Mapping[str, str]:
    return {}


@dataclass(frozen=True)
class ToolDefinition(Generic[ArgsT]):
    tool: str  # the tool's name on the wire: tool.<tool>.requests.v1, e.g. "crm_writer"
    service_name: str  # its Kafka principal, Redis user and key prefix, e.g. "tool-crm-writer"
    arguments: type[ArgsT]
    consequential: bool  # changes something outside: runs only with an approval bound to its exact arguments
    consumer_group: str
    description: str = ""
    max_argument_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
    extra_limit_keys: Callable[[ToolCallMessage, ArgsT], Mapping[str, str]] = field(default=no_extra_limit_keys)
