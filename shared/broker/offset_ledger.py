"""Commits a partition's offset only past messages whose work has finished, when that work runs in tasks after
the handler returned (``AckPolicy.MANUAL``): a message still waiting keeps the committed offset at or before it, so
a crash redelivers it (and whatever finished after it: idempotent work answers those again, unchanged).
"""

import asyncio
import logging
from typing import Protocol

from aiokafka import TopicPartition
from aiokafka.errors import KafkaError

logger = logging.getLogger(__name__)


class OffsetCommitter(Protocol):
    """The part of aiokafka's consumer the ledger uses."""

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...


class OffsetLedger:
    def __init__(self) -> None:
        self._pending: dict[TopicPartition, set[int]] = {}
        self._finished_up_to: dict[TopicPartition, int] = {}  # the highest finished offset per partition
        self._committed: dict[TopicPartition, int] = {}  # the highest offset handed to a commit, so none goes back
        self._commits = asyncio.Lock()  # commits reach the broker in the order they were decided

    def begin(self, topic: str, partition: int, offset: int) -> None:
        self._pending.setdefault(TopicPartition(topic, partition), set()).add(offset)

    def pending(self, topic: str, partition: int) -> set[int]:
        return set(self._pending.get(TopicPartition(topic, partition), set()))

    def finish(self, topic: str, partition: int, offset: int) -> int | None:
        """Marks the message finished; returns the offset now safe to commit (the next one to read), or None if
        an earlier message of the partition is still unfinished or nothing moved."""
        where = TopicPartition(topic, partition)
        waiting = self._pending.get(where, set())
        waiting.discard(offset)
        self._finished_up_to[where] = max(self._finished_up_to.get(where, -1), offset)
        if waiting and min(waiting) < offset:
            return None
        safe = min(waiting) if waiting else self._finished_up_to[where] + 1
        if safe <= self._committed.get(where, -1):
            return None
        self._committed[where] = safe
        return safe

    async def finish_and_commit(self, consumer: OffsetCommitter | None, topic: str, partition: int,
                                offset: int) -> None:
        """``consumer`` None: a test broker's message, which has no real consumer to commit to."""
        async with self._commits:
            safe = self.finish(topic, partition, offset)
            if safe is None or consumer is None:
                return
            try:
                await consumer.commit({TopicPartition(topic, partition): safe})
            except (KafkaError, AssertionError, ValueError) as exc:
                # the partition went to another consumer of the group (a rebalance): it redelivers from the last
                # committed offset, and the call ids' remembered results answer what already ran here
                logger.warning("could not commit %s[%d]@%d: %r", topic, partition, safe, exc)
