"""Dead-letter routing: a message that can never succeed goes to ``<topic>.dlq.v1`` and the consumer moves on.

Transient failures (a dependency down, the broker unreachable) are retried by redelivery instead, so a
broker restart loses nothing and dead-letters nothing.
"""

import asyncio
import base64
import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import KafkaError, KafkaTimeoutError
from faststream import BaseMiddleware
from faststream.kafka import KafkaBroker
from opentelemetry import trace

from shared.contracts.dead_letter import DeadLetterRecord
from shared.contracts.topics import dead_letter_topic
from shared.errors import RetryLater

logger = logging.getLogger(__name__)

# a dead letter copies the original up to this size; larger ones stay addressable by topic/partition/offset
COPY_LIMIT_BYTES = 1024 * 1024
RETRY_BACKOFF_SECONDS = 0.5


def is_transient(exc: BaseException) -> bool:
    """A broker or socket outage: redeliver until it is back. A refusal (message too large, not
    authorized) will fail the same way every time, so it is not transient."""
    if isinstance(exc, KafkaTimeoutError):  # aiokafka marks it non-retriable, yet it means "broker unreachable"
        return True
    if isinstance(exc, KafkaError):
        return bool(exc.retriable)
    return isinstance(exc, (ConnectionError, TimeoutError))


class DeadLetterRouting:
    """Broker middleware factory. It needs the broker to publish, so it is bound after the broker exists."""

    def __init__(self, consumer_group: str, max_attempts: int = 5) -> None:
        self.consumer_group = consumer_group
        self.max_attempts = max_attempts
        self.broker: KafkaBroker | None = None
        self._attempts: OrderedDict[tuple[str, int, int], int] = OrderedDict()

    def bind(self, broker: KafkaBroker) -> None:
        self.broker = broker

    def count_attempt(self, position: tuple[str, int, int]) -> int:
        attempts = self._attempts.pop(position, 0) + 1
        self._attempts[position] = attempts
        while len(self._attempts) > 10_000:
            self._attempts.popitem(last=False)
        return attempts

    def forget(self, position: tuple[str, int, int]) -> None:
        self._attempts.pop(position, None)

    def __call__(self, msg: Any, /, *, context: Any) -> "DeadLetterScope":
        return DeadLetterScope(msg, context=context, routing=self)


class DeadLetterScope(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, routing: DeadLetterRouting) -> None:
        super().__init__(msg, context=context)
        self.routing = routing

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        record = msg.raw_message
        position = (record.topic, record.partition, record.offset)
        try:
            result = await call_next(msg)
        except RetryLater as exc:
            attempts = self.routing.count_attempt(position)
            if attempts < self.routing.max_attempts:
                logger.warning("retry %d/%d at %s: %s", attempts, self.routing.max_attempts, position, exc)
                await asyncio.sleep(RETRY_BACKOFF_SECONDS * attempts)
                raise
            await self._dead_letter(msg, exc, attempts)
            return None
        except Exception as exc:
            if is_transient(exc):
                logger.warning("transient broker error at %s (%r); redelivering", position, exc)
                await asyncio.sleep(RETRY_BACKOFF_SECONDS)
                raise
            # anything else is poison for this consumer
            await self._dead_letter(msg, exc, self.routing.count_attempt(position))
            return None
        self.routing.forget(position)
        return result

    async def _dead_letter(self, msg: Any, exc: BaseException, attempts: int) -> None:
        record = msg.raw_message
        body: bytes = msg.body or b""
        topic = dead_letter_topic(record.topic)
        letter = DeadLetterRecord(
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            consumer_group=self.routing.consumer_group,
            error_type=type(exc).__name__,
            error=str(exc)[:4000],
            attempts=attempts,
            original_headers={k: str(v) for k, v in msg.headers.items()},
            original_b64=base64.b64encode(body).decode() if len(body) <= COPY_LIMIT_BYTES else None,
            original_size=len(body),
            failed_at=datetime.now(UTC),
        )
        span = trace.get_current_span()
        span.record_exception(exc)
        span.set_attribute("mailspine.dead_letter.topic", topic)
        logger.error("dead-lettering %s[%d]@%d to %s: %s", record.topic, record.partition,
                     record.offset, topic, exc)
        assert self.routing.broker is not None, "DeadLetterRouting.bind(broker) was not called"
        await self.routing.broker.publish(
            letter.model_dump(mode="json"),
            topic,
            key=record.key,
            headers={**letter.original_headers, "mailspine-error-type": letter.error_type},
        )
        self.routing.forget((record.topic, record.partition, record.offset))
