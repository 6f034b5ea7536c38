"""Remembers which CRM writes were published, so a redelivered request does not write twice."""

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.errors import RetryLater


class WrittenKeys:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def _key(idempotency_key: str) -> str:
        return f"tool-crm-writer:written:{idempotency_key}"

    async def was_written(self, idempotency_key: str) -> bool:
        try:
            return bool(await self.redis.exists(self._key(idempotency_key)))
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc

    async def mark_written(self, idempotency_key: str) -> None:
        try:
            await self.redis.set(self._key(idempotency_key), "1", ex=self.ttl_seconds)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
