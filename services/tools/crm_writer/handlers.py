"""The CRM writer on the tool-service machinery: a WriteCrm call in (consequential: it runs only with an approval
of its exact arguments), one crm.writes.v1 message per idempotency key (mail id + action), WriteCrmOutput back.

``register`` declares what the CRM writer consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handler its dependencies."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace

from services.tools.crm_writer.settings import CrmWriterSettings
from services.tools.crm_writer.writer import (
    TOOL_NAME,
    CustomerKeyOf,
    PiiRevealer,
    UnrevealableAddress,
    crm_write_for,
)
from shared.contracts.crm import CrmWriteMessage, crm_idempotency_key
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.tools.crm_writer import WriteCrm, WriteCrmOutput
from shared.contracts.topics import CRM_WRITES
from shared.tool_service import (
    CallResults,
    RateGate,
    ToolDefinition,
    ToolPublishers,
    ToolReply,
    ToolServiceDeps,
    ensure_before_deadline,
    provide_tool,
    register_tool,
)
from shared.tracing import attributes


class WrittenKeyStore(Protocol):
    """Which idempotency keys were published (Redis in production, see ``WrittenKeys``)."""

    async def was_written(self, idempotency_key: str) -> bool: ...

    async def mark_written(self, idempotency_key: str) -> None: ...


@dataclass(frozen=True)
class CrmWriterPublishers:
    crm_writes: DefaultPublisher
    tool: ToolPublishers


@dataclass(frozen=True)
class CrmWriterDeps:
    written: WrittenKeyStore
    vault: PiiRevealer
    customer_key_of: CustomerKeyOf
    results: CallResults
    rate_gate: RateGate | None


def definition(settings: CrmWriterSettings) -> ToolDefinition[WriteCrm]:
    return ToolDefinition(tool=TOOL_NAME, service_name=settings.service_name, arguments=WriteCrm,
                          consequential=True, consumer_group=settings.consumer_group,
                          description="One CRM write, approved for its exact arguments; key = mail id.")


@dataclass(frozen=True)
class CrmWrites:
    """The handler: publish, then remember. A crash in between re-publishes the same key (the CRM acknowledges
    a key once), while remembering first could lose the write."""

    deps: CrmWriterDeps
    crm_writes: DefaultPublisher
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    async def __call__(self, call: ToolCallMessage, arguments: WriteCrm) -> ToolReply:
        key = crm_idempotency_key(call.mail_id, arguments.action)
        trace.get_current_span().set_attribute(attributes.IDEMPOTENCY_KEY, key)
        if await self.deps.written.was_written(key):
            return ToolReply.ok(WriteCrmOutput(idempotency_key=key, published=False))
        try:
            write = await crm_write_for(call, arguments, self.deps.vault, self.deps.customer_key_of)
        except UnrevealableAddress as refusal:
            return ToolReply.refused(str(refusal))
        # the vault and Redis waits above can outlast the deadline: the write happens only before it
        ensure_before_deadline(call.payload, self.clock())
        await self.crm_writes.publish(write.model_dump(mode="json"), key=key.encode())
        await self.deps.written.mark_written(key)
        return ToolReply.ok(WriteCrmOutput(idempotency_key=key, published=True))


def register(broker: KafkaBroker, settings: CrmWriterSettings) -> CrmWriterPublishers:
    service = settings.service_name
    crm_writes = broker.publisher(CRM_WRITES, schema=CrmWriteMessage, title=f"{CRM_WRITES}:{service}",
                                  description="The CRM's input, once per idempotency key (mail id + action), with "
                                              "the customer's real address and key; key = the idempotency key.")
    return CrmWriterPublishers(crm_writes=crm_writes, tool=register_tool(broker, definition(settings)))


def provide(broker: KafkaBroker, deps: CrmWriterDeps, publishers: CrmWriterPublishers) -> None:
    provide_tool(broker, ToolServiceDeps(handler=CrmWrites(deps, publishers.crm_writes), results=deps.results,
                                         rate_gate=deps.rate_gate))
