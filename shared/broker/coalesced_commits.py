"""Commits a handled message's offset in the background, coalesced: a consumer whose handlers return quickly (they
record work durably and hand it to a task) is not held by one commit round trip per message. At most one commit
per consumer is in flight; the offsets handled meanwhile go out together in the next one.

At-least-once holds: only the offset after a message whose handler finished (or that was dead-lettered) is ever
committed, and a consumer handles a partition's messages in order, so everything before it finished too. A
handler that raises (to be retried) is rewound to its message, as AckPolicy.NACK_ON_ERROR would. Offsets not yet
committed when the process stops are redelivered, and the handlers answer those again, idempotently.

Use: ``build_broker(..., commits=CoalescedCommits())`` and ``AckPolicy.MANUAL`` on every subscriber of the broker.
The middleware sits outside the dead-letter routing, so it sees what the routing decided.
"""

import asyncio
import logging
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError
from faststream import BaseMiddleware
from faststream.kafka.message import FakeConsumer

from shared.broker.offset_ledger import OffsetCommitter

logger = logging.getLogger(__name__)


class CoalescedCommits:
    """Broker middleware factory; one per broker."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[OffsetCommitter, dict[TopicPartition, int]]] = {}
        self._flusher: asyncio.Task[None] | None = None

    def __call__(self, msg: Any, /, *, context: Any) -> "CoalescedCommitScope":
        return CoalescedCommitScope(msg, context=context, commits=self)

    def commit_after(self, consumer: OffsetCommitter, topic: str, partition: int, offset: int) -> None:
        """Marks the message handled: the next offset of its partition is committed soon."""
        offsets = self._due.setdefault(id(consumer), (consumer, {}))[1]
        where = TopicPartition(topic, partition)
        offsets[where] = max(offsets.get(where, -1), offset + 1)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def drain(self) -> None:
        """Commits what is due now (a graceful stop)."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        while self._due:
            due, self._due = self._due, {}
            for consumer, offsets in due.values():
                try:
                    await consumer.commit(offsets)
                except (KafkaError, AssertionError, ValueError) as exc:
                    # the partition went to another consumer (a rebalance): it redelivers from the last commit
                    logger.warning("could not commit %s: %r", offsets, exc)


class CoalescedCommitScope(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, commits: CoalescedCommits) -> None:
        super().__init__(msg, context=context)
        self.commits = commits

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        try:
            result = await call_next(msg)
        except Exception:
            await msg.nack()  # read it again next: nothing after it is committed before it succeeds
            raise
        record, consumer = msg.raw_message, msg.consumer
        if not isinstance(consumer, FakeConsumer):  # a test broker's message has nothing to commit to
            self.commits.commit_after(consumer, record.topic, record.partition, record.offset)
        return result
