"""The CRM writer on the tool-service machinery, in memory: an approved WriteCrm call in, one CRM write per
idempotency key (address and texts revealed, customer key added) and a tool result out, through FastStream's
test broker with fake idempotency and vault ports."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.publisher import DefaultPublisher

from services.tools.crm_writer.handlers import (
    CrmWriterDeps,
    CrmWriterPublishers,
    CrmWrites,
    definition,
    provide,
    register,
)
from services.tools.crm_writer.settings import CrmWriterSettings
from shared.contracts.crm import CrmAction, crm_idempotency_key
from shared.contracts.tool_calls import ToolCallStatus
from shared.contracts.topics import tool_requests
from shared.customer_keys import customer_key
from shared.tool_service import InMemoryCallResults, ToolServiceDeps, execute_call
from tests.support.in_memory_broker import answering_before_returning, unit_broker
from tests.support.tool_calls import tool_call

REFUND = CrmAction("create_refund_case")
REQUESTS = tool_requests("crm_writer")
SECRET = b"unit-test-customer-key-secret-32b"


@dataclass
class RememberedKeys:
    keys: set[str] = field(default_factory=set)

    async def was_written(self, idempotency_key: str) -> bool:
        return idempotency_key in self.keys

    async def mark_written(self, idempotency_key: str) -> None:
        self.keys.add(idempotency_key)


@dataclass
class SealedValues:
    values: dict[tuple[str, str], str]

    async def reveal(self, mail_id: str, placeholder: str) -> str | None:
        return self.values.get((mail_id, placeholder))


@dataclass
class CrmWriterUnderTest:
    broker: KafkaBroker
    publishers: CrmWriterPublishers
    written: RememberedKeys

    def results(self) -> list[dict[str, Any]]:
        return [call.args[0]["payload"] for call in self.publishers.tool.results.mock.call_args_list]


@pytest.fixture
async def crm_writer() -> AsyncIterator[CrmWriterUnderTest]:
    broker = unit_broker("tool-crm-writer")
    publishers = register(broker, CrmWriterSettings())
    written = RememberedKeys()
    vault = SealedValues({("m-1", "<EMAIL_1>"): "dana@northwind.example", ("m-1", "<PERSON_1>"): "Dana Whitfield"})
    provide(broker, CrmWriterDeps(written=written, vault=vault, customer_key_of=lambda a: customer_key(SECRET, a),
                                  results=InMemoryCallResults(), rate_gate=None), publishers)
    async with TestKafkaBroker(broker) as test_broker:
        yield CrmWriterUnderTest(answering_before_returning(test_broker, publishers.tool.dispatch), publishers, written)


def _arguments(customer_address: str = "<EMAIL_1>", action: str = REFUND) -> dict[str, Any]:
    return {"action": action, "customer_address": customer_address, "summary": "<PERSON_1> asks for a refund",
            "order_id": "AC-558213", "amount": "418.00", "currency": "EUR"}


async def test_an_approved_call_becomes_one_crm_write_with_the_revealed_address_and_the_customer_key(
        crm_writer: CrmWriterUnderTest) -> None:
    call = tool_call("crm_writer", _arguments())
    await crm_writer.broker.publish(call.model_dump(mode="json"), REQUESTS, key=b"m-1")

    key = crm_idempotency_key("m-1", REFUND)
    await crm_writer.publishers.crm_writes.assert_called_once_with(key=key.encode())
    write = crm_writer.publishers.crm_writes.mock.call_args.args[0]["payload"]
    assert write["customer_address"] == "dana@northwind.example"
    assert write["customer_key"] == customer_key(SECRET, "dana@northwind.example")
    assert write["summary"] == "Dana Whitfield asks for a refund"
    assert (write["idempotency_key"], write["amount"], write["currency"]) == (key, "418.00", "EUR")
    await crm_writer.publishers.tool.results.assert_called_once_with(key=b"m-1")
    [result] = crm_writer.results()
    assert result["status"] == "ok" and result["output"] == {"idempotency_key": key, "published": True}
    assert crm_writer.written.keys == {key}


async def test_a_redelivered_call_is_answered_as_a_duplicate_without_a_second_write(
        crm_writer: CrmWriterUnderTest) -> None:
    for _ in range(2):
        await crm_writer.broker.publish(tool_call("crm_writer", _arguments()).model_dump(mode="json"), REQUESTS)
    # another call (a new call id) for the same mail and action: the CRM's idempotency key still holds
    await crm_writer.broker.publish(tool_call("crm_writer", _arguments(), call_id="call-2").model_dump(mode="json"),
                                    REQUESTS)

    assert crm_writer.publishers.crm_writes.mock.call_count == 1
    results = crm_writer.results()
    assert [(r["duplicate"], r["output"]["published"]) for r in results] == [(False, True), (True, True),
                                                                             (False, False)]


async def test_a_call_without_an_approval_of_its_arguments_writes_nothing(crm_writer: CrmWriterUnderTest) -> None:
    call = tool_call("crm_writer", _arguments(), approval_hash="f" * 64)
    await crm_writer.broker.publish(call.model_dump(mode="json"), REQUESTS)

    crm_writer.publishers.crm_writes.mock.assert_not_called()
    [result] = crm_writer.results()
    assert result["status"] == "refused" and "bound to other arguments" in result["reason"]


async def test_a_raw_address_instead_of_a_vault_placeholder_is_refused_and_nothing_is_written(
        crm_writer: CrmWriterUnderTest) -> None:
    call = tool_call("crm_writer", _arguments("dana@northwind.example"))
    await crm_writer.broker.publish(call.model_dump(mode="json"), REQUESTS)

    crm_writer.publishers.crm_writes.mock.assert_not_called()
    [result] = crm_writer.results()
    assert result["status"] == "refused" and "not a PII-vault placeholder" in result["reason"]


@dataclass
class SlowVault:
    """A vault that answers after the caller's clock has moved on (Redis slow under load)."""

    clock: list[datetime]
    values: dict[tuple[str, str], str]

    async def reveal(self, mail_id: str, placeholder: str) -> str | None:
        self.clock[0] += timedelta(seconds=10)
        return self.values.get((mail_id, placeholder))


@dataclass
class RecordedWrites:
    published: list[Any] = field(default_factory=list)

    async def publish(self, message: Any, **options: Any) -> None:
        self.published.append(message)


async def test_a_write_whose_deadline_passes_while_revealing_is_expired_and_nothing_is_written() -> None:
    clock = [datetime.now(UTC)]
    vault = SlowVault(clock, {("m-1", "<EMAIL_1>"): "dana@northwind.example"})
    written, crm_writes = RememberedKeys(), RecordedWrites()
    deps = CrmWriterDeps(written=written, vault=vault, customer_key_of=lambda a: customer_key(SECRET, a),
                         results=InMemoryCallResults(), rate_gate=None)
    handler = CrmWrites(deps, cast(DefaultPublisher, crm_writes), clock=lambda: clock[0])
    call = tool_call("crm_writer", _arguments(), deadline_in=timedelta(seconds=5))

    execution = await execute_call(definition(CrmWriterSettings()), ToolServiceDeps(
        handler=handler, results=deps.results, rate_gate=None, clock=lambda: clock[0]), call)

    assert execution.result.status == ToolCallStatus.EXPIRED and "before the effect" in (execution.result.reason or "")
    assert crm_writes.published == [] and written.keys == set()
