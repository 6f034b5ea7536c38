"""Reads a topic from the beginning without joining a consumer group (for summaries, rebuilds and tests)."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from infra.kafka_acls import ADMIN
from shared.settings import KafkaSettings


async def read_records(
    topic: str,
    *,
    until: Callable[[list[dict[str, Any]]], bool],
    timeout: float,  # noqa: ASYNC109 - one deadline over many polls, not one awaited call
    kafka: KafkaSettings | None = None,
) -> list[dict[str, Any]]:
    """Every JSON record on ``topic`` (value, plus ``_headers``/``_offset``), polled until ``until`` holds."""
    kafka = kafka or KafkaSettings.for_principal(ADMIN)  # an operator's view: every topic
    consumer = AIOKafkaConsumer(
        **kafka.client_options(),
        enable_auto_commit=False,
        group_id=None,  # no group: every partition is ours, read from the earliest offset
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=kafka.max_message_bytes,
        fetch_max_bytes=kafka.max_message_bytes * 2,
    )
    await consumer.start()
    records: list[dict[str, Any]] = []
    try:
        if topic not in await consumer.topics():
            raise LookupError(f"topic {topic} does not exist; run `mailspine up` to create the topics")
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300)
            for messages in batches.values():
                for message in messages:
                    records.append(_decode(message))
            if until(records):
                break
            await asyncio.sleep(0)
        return records
    finally:
        await consumer.stop()


def _decode(message: Any) -> dict[str, Any]:
    try:
        value = json.loads(message.value)
    except (ValueError, TypeError):
        value = {"_raw": message.value}
    if not isinstance(value, dict):
        value = {"_raw": value}
    value["_headers"] = {k: v.decode(errors="replace") for k, v in (message.headers or [])}
    value["_offset"] = (message.partition, message.offset)
    value["_timestamp_ms"] = message.timestamp  # when the producer wrote it
    return value


async def iterate_to_end(topic: str, kafka: KafkaSettings | None = None) -> AsyncIterator[bytes]:
    """Every record value on ``topic`` from the beginning up to its end when the read started (a fresh reader,
    no consumer group, nothing committed), for rebuilding a view such as the mail-history index."""
    kafka = kafka or KafkaSettings.for_principal(ADMIN)
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest", max_partition_fetch_bytes=kafka.max_message_bytes,
                                fetch_max_bytes=kafka.max_message_bytes * 2)
    await consumer.start()
    try:
        if topic not in await consumer.topics():
            raise LookupError(f"topic {topic} does not exist; run `mailspine up` to create the topics")
        consumer.subscribe([topic])  # without a group: every partition, once the topic's metadata arrived
        deadline = time.monotonic() + 30
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no partitions of {topic} assigned within 30 s")
            await asyncio.sleep(0.05)
        assigned = sorted(consumer.assignment())
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        pending = {tp for tp in assigned if ends[tp] > await consumer.position(tp)}
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, messages in batches.items():
                for message in messages:
                    if message.offset < ends[tp]:
                        yield message.value
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
