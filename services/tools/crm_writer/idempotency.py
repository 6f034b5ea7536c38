"""Remembers which CRM writes were published, so a redelivered request does not write twice."""

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.errors import RetryLater


class WrittenKeys:
    def __init__(self, redis: Redis, service_name: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = f"{service_name}:written:"
        self.ttl_seconds = ttl_seconds

    def _key(self, idempotency_key: str) -> str:
        return self.prefix + idempotency_key

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
