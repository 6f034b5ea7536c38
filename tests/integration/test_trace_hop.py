"""Trace context rides in Kafka headers through a real broker: W3C traceparent, and Jaeger's uber-trace-id."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan

from infra.kafka_acls import ADMIN
from shared.broker import build_broker, durable_subscriber
from shared.settings import KafkaSettings

pytestmark = pytest.mark.usefixtures("infrastructure")

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"


async def _hop(headers: list[tuple[str, bytes]]) -> tuple[str, str]:
    """Publish one record with ``headers`` and return (trace id, parent span id) seen by the consumer."""
    kafka = KafkaSettings.for_principal(ADMIN)
    topic = f"test.trace-hop.{uuid.uuid4().hex[:8]}.v1"
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    seen: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()
    broker = build_broker("trace-hop-test", kafka)

    @durable_subscriber(broker, topic, group_id=f"g-{topic}")
    async def on_record(body: dict) -> None:
        span = trace.get_current_span()
        context = span.get_span_context()
        assert isinstance(span, ReadableSpan) and span.parent is not None  # the SDK's span knows its parent
        seen.set_result((format(context.trace_id, "032x"), format(span.parent.span_id, "016x")))

    producer = AIOKafkaProducer(**kafka.client_options())
    try:
        await broker.start()
        await producer.start()
        await producer.send_and_wait(topic, b'{"hello": "world"}', headers=headers)
        return await asyncio.wait_for(seen, timeout=30)
    finally:
        await producer.stop()
        await broker.stop()
        await admin.delete_topics([topic])
        await admin.close()


def test_a_w3c_traceparent_survives_the_kafka_hop() -> None:
    traceparent = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01".encode()
    assert asyncio.run(_hop([("traceparent", traceparent)])) == (TRACE_ID, PARENT_SPAN_ID)


def test_a_jaeger_uber_trace_id_is_accepted_across_the_kafka_hop() -> None:
    uber = f"{TRACE_ID}:{PARENT_SPAN_ID}:0:1".encode()
    assert asyncio.run(_hop([("uber-trace-id", uber)])) == (TRACE_ID, PARENT_SPAN_ID)
