"""Publishes tool calls on tool.<tool>.requests.v1 the way the runtime does (key = mail id), optionally inside a
mail's trace (its ``traceparent`` header), for end-to-end tests of the tool services."""

import asyncio

from aiokafka import AIOKafkaProducer

from infra.kafka_acls import ADMIN
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.topics import tool_requests
from shared.settings import KafkaSettings


async def _publish(tool: str, calls: list[ToolCallMessage], traceparent: str | None) -> None:
    producer = AIOKafkaProducer(**KafkaSettings.for_principal(ADMIN).client_options(), enable_idempotence=True)
    await producer.start()
    try:
        headers = [("content-type", b"application/json")]
        if traceparent:
            headers.append(("traceparent", traceparent.encode()))
        for call in calls:
            await producer.send_and_wait(tool_requests(tool), call.model_dump_json().encode(),
                                         key=call.mail_id.encode(), headers=headers)
    finally:
        await producer.stop()


def publish_tool_calls(tool: str, calls: list[ToolCallMessage], traceparent: str | None = None) -> None:
    asyncio.run(_publish(tool, calls, traceparent))
