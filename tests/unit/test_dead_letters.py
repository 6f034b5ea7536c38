"""Dead-letter routing as pure broker logic, with FastStream's in-memory test broker."""

from typing import Any

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
)
from faststream.kafka import TestKafkaBroker
from pydantic import BaseModel

from shared.broker import build_broker, durable_subscriber
from shared.broker.dead_letters import is_transient
from shared.settings import KafkaSettings, TracingSettings
from shared.tracing import setup_tracing


class Order(BaseModel):
    order_id: str


@pytest.fixture(scope="module", autouse=True)
def _no_span_export() -> None:
    setup_tracing("unit-tests", TracingSettings(enabled=False))


async def test_a_message_that_fails_validation_is_dead_lettered_with_its_headers_and_error() -> None:
    broker = build_broker("unit-dlq", KafkaSettings(password="unit-test-not-a-secret"))
    handled: list[Order] = []
    dead: list[dict[str, Any]] = []

    @durable_subscriber(broker, "orders.v1", group_id="unit")
    async def on_order(order: Order) -> None:
        handled.append(order)

    @broker.subscriber("orders.dlq.v1", group_id="unit-dlq-reader")
    async def on_dead_letter(letter: dict[str, Any]) -> None:
        dead.append(letter)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish({"wrong": "shape"}, "orders.v1", headers={"x-origin": "unit"})
        await test_broker.publish({"order_id": "A-1"}, "orders.v1")

    assert [order.order_id for order in handled] == ["A-1"]
    assert len(dead) == 1
    assert dead[0]["source_topic"] == "orders.v1"
    assert dead[0]["consumer_group"] == "unit-dlq"
    assert dead[0]["original_headers"]["x-origin"] == "unit"
    assert "order_id" in dead[0]["error"]


def test_outages_are_transient_and_refusals_are_not() -> None:
    for outage in (KafkaConnectionError(), KafkaTimeoutError(), RequestTimedOutError(), ConnectionRefusedError()):
        assert is_transient(outage), outage
    for refusal in (MessageSizeTooLargeError(), TopicAuthorizationFailedError(), ValueError("bad")):
        assert not is_transient(refusal), refusal
