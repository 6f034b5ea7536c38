"""Reads a topic from the beginning without joining a consumer group (for summaries and tests)."""

import asyncio
import json
import time
from collections.abc import Callable
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
    return value
