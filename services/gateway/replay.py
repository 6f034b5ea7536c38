"""Replay protection: a Message-ID from one source is accepted once within the seen-set's lifetime.

A Kafka redelivery of the same record (same partition and offset) is not a replay; the record's position
is stored with the Message-ID so the two can be told apart.
"""

import hashlib

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail, RetryLater
from shared.redis_text import redis_text


class ReplayGuard:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def _key(source_id: str, message_id: str) -> str:
        return f"gateway:seen:{source_id}:{hashlib.sha256(message_id.encode()).hexdigest()}"

    async def admit(self, source_id: str, message_id: str, position: str) -> None:
        """Record the first sighting; refuse a second record carrying the same Message-ID."""
        key = self._key(source_id, message_id)
        try:
            if await self.redis.set(key, position, nx=True, ex=self.ttl_seconds):
                return
            first = await self.redis.get(key)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable for the replay check: {exc}") from exc
        if first is not None and redis_text(first) == position:
            return  # the same record again: an at-least-once redelivery, not a replay
        first_seen = redis_text(first) if first is not None else "an expiring entry"
        raise QuarantineMail(QuarantineReason.REPLAY, f"Message-ID {message_id!r} already delivered at {first_seen}")
