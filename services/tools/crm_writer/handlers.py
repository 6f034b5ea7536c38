"""Thin subscriber: a tool request in; a CRM write (once per key) and a tool result out.

``register`` declares what the CRM writer consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handler its dependencies through the broker's context."""

from dataclasses import dataclass
from typing import Annotated, Protocol

from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace

from services.tools.crm_writer.settings import CrmWriterSettings
from services.tools.crm_writer.writer import TOOL_NAME, crm_write_for, tool_result_for
from shared.broker import durable_subscriber
from shared.contracts.crm import (
    CrmWriteMessage,
    CrmWriteRequestMessage,
    ToolOutcome,
    ToolResultMessage,
    crm_idempotency_key,
)
from shared.contracts.extraction import Extraction
from shared.contracts.topics import CRM_WRITES, tool_requests, tool_results
from shared.errors import DeadLetter
from shared.pii_placeholders import PII_PLACEHOLDER
from shared.tracing import attributes

DEPS = "crm_writer_deps"


class WrittenKeyStore(Protocol):
    """Which idempotency keys were published (Redis in production, see ``WrittenKeys``)."""

    async def was_written(self, idempotency_key: str) -> bool: ...

    async def mark_written(self, idempotency_key: str) -> None: ...


class PiiRevealer(Protocol):
    """The PII vault's revealing side (``shared.pii_vault.PiiVault``)."""

    async def reveal(self, mail_id: str, placeholder: str) -> str | None: ...


@dataclass(frozen=True)
class CrmWriterDeps:
    written: WrittenKeyStore
    vault: PiiRevealer


@dataclass(frozen=True)
class CrmWriterPublishers:
    crm_writes: DefaultPublisher
    results: DefaultPublisher


async def reveal_customer_address(vault: PiiRevealer, request: CrmWriteRequestMessage) -> str:
    placeholder = request.payload.customer_address
    if not PII_PLACEHOLDER.fullmatch(placeholder):
        raise DeadLetter(f"customer_address {placeholder[:40]!r} is not a PII-vault placeholder")
    address = await vault.reveal(request.mail_id, placeholder)
    if address is None:
        raise DeadLetter(f"the vault holds no {placeholder} for mail {request.mail_id} (expired or never sealed)")
    return address


async def reveal_facts(vault: PiiRevealer, request: CrmWriteRequestMessage) -> Extraction | None:
    """The extracted facts with the placeholders in their free-text fields turned back into values."""
    facts = request.payload.facts
    if facts is None:
        return None
    revealed: dict[str, str | None] = {}
    for name in ("customer_name", "company", "requested_action"):
        text = getattr(facts, name)
        if text is None:
            continue
        placeholders = {match.group(0) for match in PII_PLACEHOLDER.finditer(text)}
        values = {p: await vault.reveal(request.mail_id, p) for p in placeholders}
        # the lambda runs inside this iteration, so it sees this field's values
        revealed[name] = PII_PLACEHOLDER.sub(lambda match: values.get(match.group(0)) or match.group(0), text)  # noqa: B023
    return facts.model_copy(update=revealed)


def provide(broker: KafkaBroker, deps: CrmWriterDeps) -> None:
    broker.context.set_global(DEPS, deps)


def register(broker: KafkaBroker, settings: CrmWriterSettings) -> CrmWriterPublishers:
    service = settings.service_name
    results_topic = tool_results(TOOL_NAME)
    publishers = CrmWriterPublishers(
        crm_writes=broker.publisher(CRM_WRITES, schema=CrmWriteMessage, title=f"{CRM_WRITES}:{service}",
                                    description="The CRM's input, once per idempotency key (mail id + action), "
                                                "with the customer's real address; key = the idempotency key."),
        results=broker.publisher(results_topic, schema=ToolResultMessage, title=f"{results_topic}:{service}",
                                 description="The outcome of one CRM-write call (written or duplicate); "
                                             "key = mail id."),
    )

    @durable_subscriber(broker, tool_requests(TOOL_NAME), group_id=settings.consumer_group)
    async def on_crm_write_request(request: CrmWriteRequestMessage,
                                   deps: Annotated[CrmWriterDeps, Context(DEPS)]) -> None:
        """One CRM write; a customer address that is not a placeholder the vault holds is dead-lettered."""
        span = trace.get_current_span()
        span.set_attribute(attributes.MAIL_ID, request.mail_id)
        span.set_attribute(attributes.TOOL_NAME, TOOL_NAME)
        span.set_attribute(attributes.TOOL_CALL_ID, request.payload.call_id)
        key = crm_idempotency_key(request.mail_id, request.payload.action)
        span.set_attribute(attributes.IDEMPOTENCY_KEY, key)
        # publish, then remember: a crash in between re-publishes the same key (the CRM dedups on it),
        # while remembering first could lose the write
        if await deps.written.was_written(key):
            outcome = ToolOutcome.DUPLICATE
        else:
            crm_write = crm_write_for(request, await reveal_customer_address(deps.vault, request),
                                      await reveal_facts(deps.vault, request))
            await publishers.crm_writes.publish(crm_write.model_dump(mode="json"), key=key.encode())
            await deps.written.mark_written(key)
            outcome = ToolOutcome.WRITTEN
        span.set_attribute(attributes.OUTCOME, outcome)
        result = tool_result_for(request, outcome)
        await publishers.results.publish(result.model_dump(mode="json"), key=request.mail_id.encode())

    return publishers
