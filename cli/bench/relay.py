"""The denominator: a bare aiokafka relay over the same hops, with the same message sizes, on the same broker.

Hop ``i`` is topic ``bench.relay.<run>.<i>``; one stage per hop after the first consumes the topic before it and
produces a record of that hop's size to its own topic. Nothing is parsed, validated, traced or stored: what is
left is the cost of moving the bytes, which no service can beat."""

import asyncio
import time
import uuid
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from cli.bench.mail_flow import Progress, assign_all
from infra.kafka_acls import ADMIN
from shared.settings import KafkaSettings


@dataclass(frozen=True)
class RelayResult:
    hops: int
    messages: int
    delivered: int
    seconds: float


async def relay(sizes: list[int], count: int, give_up_after: float, progress: Progress) -> RelayResult:
    """Relay ``count`` messages through ``len(sizes)`` hops (hop ``i`` carries ``sizes[i]`` bytes)."""
    kafka = KafkaSettings.for_principal(ADMIN)
    topics = [f"bench.relay.{uuid.uuid4().hex[:8]}.{i}" for i in range(len(sizes))]
    admin = AIOKafkaAdminClient(**kafka.client_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, kafka.default_partitions, 1) for t in topics])
        try:
            return await _run(kafka, topics, sizes, count, give_up_after, progress)
        finally:
            await admin.delete_topics(topics)
    finally:
        await admin.close()


async def _consumer(kafka: KafkaSettings, topic: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    await assign_all(consumer, [topic])
    return consumer


async def _stage(kafka: KafkaSettings, source: str, target: str, size: int, stop: asyncio.Event) -> None:
    consumer, producer = await _consumer(kafka, source), AIOKafkaProducer(**kafka.client_options(), linger_ms=5)
    await producer.start()
    value = b"x" * size
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            for messages in batches.values():
                for message in messages:
                    await producer.send(target, value, key=message.key)
    finally:
        await producer.stop()
        await consumer.stop()


async def _run(kafka: KafkaSettings, topics: list[str], sizes: list[int], count: int,
               give_up_after: float, progress: Progress) -> RelayResult:
    stop = asyncio.Event()
    stages = [asyncio.create_task(_stage(kafka, topics[i - 1], topics[i], sizes[i], stop))
              for i in range(1, len(topics))]
    sink = await _consumer(kafka, topics[-1])
    producer = AIOKafkaProducer(**kafka.client_options(), linger_ms=5)
    await producer.start()
    try:
        await asyncio.sleep(1.0)  # the stages' consumers are positioned before the first message
        started = time.monotonic()
        first = b"x" * sizes[0]
        sent = [await producer.send(topics[0], first, key=f"relay-{i}".encode()) for i in range(count)]
        await asyncio.gather(*sent)
        delivered, last_report = 0, 0.0
        while delivered < count and time.monotonic() - started < give_up_after:
            batches = await sink.getmany(timeout_ms=200, max_records=2000)
            delivered += sum(len(messages) for messages in batches.values())
            if time.monotonic() - last_report > 2.0:
                last_report = time.monotonic()
                progress(delivered, count)
        seconds = time.monotonic() - started
    finally:
        stop.set()
        await asyncio.gather(*stages, return_exceptions=True)
        await producer.stop()
        await sink.stop()
    return RelayResult(hops=len(topics), messages=count, delivered=delivered, seconds=seconds)
