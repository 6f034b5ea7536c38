"""Thin subscriber: a tool request in; a CRM write (once per key) and a tool result out."""

from faststream.kafka import KafkaBroker
from opentelemetry import trace

from services.tools.crm_writer.idempotency import WrittenKeys
from services.tools.crm_writer.settings import CrmWriterSettings
from services.tools.crm_writer.writer import TOOL_NAME, crm_write_for, tool_result_for
from shared.broker import durable_subscriber
from shared.contracts.crm import CrmWriteRequestMessage, ToolOutcome, crm_idempotency_key
from shared.contracts.extraction import Extraction
from shared.contracts.topics import CRM_WRITES, tool_requests, tool_results
from shared.errors import DeadLetter
from shared.pii_placeholders import PII_PLACEHOLDER
from shared.pii_vault import PiiVault
from shared.tracing import attributes


async def reveal_customer_address(vault: PiiVault, request: CrmWriteRequestMessage) -> str:
    placeholder = request.payload.customer_address
    if not PII_PLACEHOLDER.fullmatch(placeholder):
        raise DeadLetter(f"customer_address {placeholder[:40]!r} is not a PII-vault placeholder")
    address = await vault.reveal(request.mail_id, placeholder)
    if address is None:
        raise DeadLetter(f"the vault holds no {placeholder} for mail {request.mail_id} (expired or never sealed)")
    return address


async def reveal_facts(vault: PiiVault, request: CrmWriteRequestMessage) -> Extraction | None:
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


def register(broker: KafkaBroker, settings: CrmWriterSettings, written: WrittenKeys, vault: PiiVault) -> None:
    @durable_subscriber(broker, tool_requests(TOOL_NAME), group_id=settings.consumer_group)
    async def on_crm_write_request(request: CrmWriteRequestMessage) -> None:
        span = trace.get_current_span()
        span.set_attribute(attributes.MAIL_ID, request.mail_id)
        span.set_attribute(attributes.TOOL_NAME, TOOL_NAME)
        span.set_attribute(attributes.TOOL_CALL_ID, request.payload.call_id)
        key = crm_idempotency_key(request.mail_id, request.payload.action)
        span.set_attribute(attributes.IDEMPOTENCY_KEY, key)
        # publish, then remember: a crash in between re-publishes the same key (the CRM dedups on it),
        # while remembering first could lose the write
        if await written.was_written(key):
            outcome = ToolOutcome.DUPLICATE
        else:
            crm_write = crm_write_for(request, await reveal_customer_address(vault, request),
                                      await reveal_facts(vault, request))
            await broker.publish(crm_write.model_dump(mode="json"), CRM_WRITES, key=key.encode())
            await written.mark_written(key)
            outcome = ToolOutcome.WRITTEN
        span.set_attribute(attributes.OUTCOME, outcome)
        result = tool_result_for(request, outcome)
        await broker.publish(result.model_dump(mode="json"), tool_results(TOOL_NAME), key=request.mail_id.encode())
