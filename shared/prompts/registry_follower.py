"""Follows registry.prompts.v1 and registry.events.v1 from the beginning and folds them into a RegistryState.

No consumer group: every reader (each registry and runtime replica) must see every record, so it assigns all
partitions to itself and never commits. Starting from offset zero each time is cheap (the prompts topic is
compacted, and registry changes are rare) and makes the fold the whole truth.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from shared.contracts.registry import PublishedVersion, RegistryEvent
from shared.contracts.topics import REGISTRY_EVENTS, REGISTRY_PROMPTS
from shared.prompts.artifact import ArtifactError
from shared.prompts.registry_state import RegistryState
from shared.settings import KafkaSettings

logger = logging.getLogger(__name__)

OnChange = Callable[[str], Awaitable[None]]  # called with the prompt name after each applied record


class RegistryFollower:
    def __init__(self, kafka: KafkaSettings, *, client_id: str, on_change: OnChange | None = None,
                 probe_interval: float = 1.0) -> None:
        self.kafka = kafka
        self.client_id = client_id
        self.state = RegistryState()
        self.on_change = on_change
        self.probe_interval = probe_interval
        self.applied: dict[tuple[str, int], int] = {}  # next offset to read, per (topic, partition)
        self.last_kafka_ok = 0.0  # monotonic time of the last answered end-offsets probe
        self.refused: list[str] = []  # records refused by verification (kept for diagnosis)
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._advanced = asyncio.Event()

    async def start(self, catch_up_timeout: float = 30.0) -> None:
        """Connect, read everything written so far, then keep following in the background."""
        self._consumer = AIOKafkaConsumer(
            **self.kafka.client_options(), client_id=self.client_id, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest", fetch_max_wait_ms=100, request_timeout_ms=10_000,
            max_partition_fetch_bytes=self.kafka.max_message_bytes)
        await self._consumer.start()
        try:
            await asyncio.wait_for(self._catch_up(), catch_up_timeout)
        except BaseException:
            await self._consumer.stop()
            raise
        self._tasks = [asyncio.create_task(self._follow(), name="registry-follow"),
                       asyncio.create_task(self._probe(), name="registry-probe")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    async def wait_applied(self, topic: str, partition: int, offset: int, timeout: float) -> None:
        """Wait until the record at ``offset`` has been folded in (read-your-writes for the writer)."""
        async def reached() -> None:
            while self.applied.get((topic, partition), 0) <= offset:
                self._advanced.clear()
                await self._advanced.wait()
        await asyncio.wait_for(reached(), timeout)

    async def _catch_up(self) -> None:
        """Subscribe without a group (every partition is ours, from the earliest offset), then read up to the
        end offsets as they were when we looked."""
        assert self._consumer is not None
        if not {REGISTRY_PROMPTS, REGISTRY_EVENTS} <= await self._consumer.topics():
            raise LookupError("the registry topics do not exist; run `mailspine up` to create them")
        self._consumer.subscribe([REGISTRY_PROMPTS, REGISTRY_EVENTS])
        while not self._consumer.assignment():
            await self._fetch_once()
        self._partitions = sorted(self._consumer.assignment())
        ends = await self._consumer.end_offsets(self._partitions)
        self.last_kafka_ok = time.monotonic()
        while True:
            positions = [await self._consumer.position(tp) for tp in self._partitions]
            if all(position >= ends[tp] for tp, position in zip(self._partitions, positions, strict=True)):
                return
            await self._fetch_once()

    async def _follow(self) -> None:
        while True:
            try:
                await self._fetch_once()
            except KafkaError as exc:
                logger.warning("registry follower: %r; retrying", exc)
                await asyncio.sleep(self.probe_interval)
            except Exception:  # noqa: BLE001 - a follower that stops silently would freeze every label
                logger.exception("registry follower: unexpected error; continuing")
                await asyncio.sleep(self.probe_interval)

    async def _probe(self) -> None:
        """Proof that the log is reachable: an empty fetch looks the same whether the broker is idle or gone."""
        assert self._consumer is not None
        while True:
            try:
                await asyncio.wait_for(self._consumer.end_offsets(self._partitions), timeout=2.0)
                self.last_kafka_ok = time.monotonic()
            except (KafkaError, TimeoutError, OSError) as exc:
                logger.debug("registry follower: end-offsets probe failed: %r", exc)
            await asyncio.sleep(self.probe_interval)

    async def _fetch_once(self) -> None:
        assert self._consumer is not None
        batches = await self._consumer.getmany(timeout_ms=200)
        for tp, messages in sorted(batches.items(), key=lambda item: item[0].topic != REGISTRY_PROMPTS):
            for message in messages:
                name = self._apply(tp.topic, message.value, message.offset)
                self.applied[(tp.topic, tp.partition)] = message.offset + 1
                if name is not None and self.on_change is not None:
                    await self.on_change(name)
        if batches:
            self._advanced.set()

    def _apply(self, topic: str, value: bytes | None, offset: int) -> str | None:
        if value is None:
            return None  # a tombstone; the registry never deletes a version, so nothing to undo
        try:
            if topic == REGISTRY_PROMPTS:
                record = PublishedVersion.model_validate_json(value)
                self.state.apply_published(record)
                return record.name
            event = RegistryEvent.model_validate_json(value)
            self.state.apply_event(event)
            return event.prompt
        except (ValidationError, ArtifactError) as exc:
            self.refused.append(f"{topic}@{offset}: {exc}")
            logger.error("registry record %s@%d refused: %s", topic, offset, exc)
            return None
