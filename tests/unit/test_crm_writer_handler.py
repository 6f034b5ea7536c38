"""The CRM writer's register() in memory: a tool request in, one CRM write per idempotency key and a tool result
out, through FastStream's test broker with fake idempotency and vault ports."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.call_wrapper import KafkaHandlerCallWrapper

from services.tools.crm_writer.handlers import CrmWriterDeps, CrmWriterPublishers, provide, register
from services.tools.crm_writer.settings import CrmWriterSettings
from shared.contracts.crm import CrmAction, CrmWriteRequest, CrmWriteRequestMessage, crm_idempotency_key
from shared.contracts.topics import tool_requests
from tests.support.in_memory_broker import handler_of, read_dead_letters, unit_broker

REFUND = CrmAction("create_refund_case")  # the enum is built from the label vocabulary at run time
REQUESTS = tool_requests("crm_writer")


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
    dead_letters: KafkaHandlerCallWrapper[Any, Any]


@pytest.fixture
async def crm_writer() -> AsyncIterator[CrmWriterUnderTest]:
    broker = unit_broker("tool-crm-writer")
    publishers = register(broker, CrmWriterSettings())
    dead_letters = read_dead_letters(broker, REQUESTS)
    written = RememberedKeys()
    provide(broker, CrmWriterDeps(written=written,
                                  vault=SealedValues({("m-1", "<EMAIL_1>"): "dana@northwind.example"})))
    async with TestKafkaBroker(broker) as test_broker:
        yield CrmWriterUnderTest(test_broker, publishers, written, dead_letters)


def _request(customer_address: str = "<EMAIL_1>") -> CrmWriteRequestMessage:
    call = CrmWriteRequest(call_id="call-1", action=REFUND, customer_address=customer_address,
                           summary="Refund order AC-558213")
    return CrmWriteRequestMessage(tenant="acme", mail_id="m-1", payload=call)


async def test_a_request_becomes_one_crm_write_with_the_revealed_address_and_a_written_result(
        crm_writer: CrmWriterUnderTest) -> None:
    request = _request()
    await crm_writer.broker.publish(request.model_dump(mode="json"), REQUESTS, key=b"m-1")

    handler_of(crm_writer.broker, REQUESTS).mock.assert_called_once_with(request.model_dump(mode="json"))
    key = crm_idempotency_key("m-1", REFUND)
    crm_writer.publishers.crm_writes.mock.assert_called_once()
    write = crm_writer.publishers.crm_writes.mock.call_args.args[0]
    assert write["payload"]["customer_address"] == "dana@northwind.example"
    assert write["payload"]["idempotency_key"] == key
    await crm_writer.publishers.crm_writes.assert_called_once_with(key=key.encode())
    await crm_writer.publishers.results.assert_called_once_with(key=b"m-1")
    assert crm_writer.publishers.results.mock.call_args.args[0]["payload"]["outcome"] == "written"
    assert crm_writer.written.keys == {key}


async def test_a_redelivered_request_is_answered_as_a_duplicate_without_a_second_write(
        crm_writer: CrmWriterUnderTest) -> None:
    for _ in range(2):
        await crm_writer.broker.publish(_request().model_dump(mode="json"), REQUESTS, key=b"m-1")

    assert crm_writer.publishers.crm_writes.mock.call_count == 1
    outcomes = [call.args[0]["payload"]["outcome"] for call in crm_writer.publishers.results.mock.call_args_list]
    assert outcomes == ["written", "duplicate"]


async def test_a_raw_address_instead_of_a_vault_placeholder_is_dead_lettered_and_nothing_is_written(
        crm_writer: CrmWriterUnderTest) -> None:
    await crm_writer.broker.publish(_request("dana@northwind.example").model_dump(mode="json"), REQUESTS,
                                    key=b"m-1")

    crm_writer.publishers.crm_writes.mock.assert_not_called()
    crm_writer.publishers.results.mock.assert_not_called()
    crm_writer.dead_letters.mock.assert_called_once()
    letter = crm_writer.dead_letters.mock.call_args.args[0]
    assert letter["source_topic"] == REQUESTS
    assert letter["error_type"] == "DeadLetter"
    assert "not a PII-vault placeholder" in letter["error"]
