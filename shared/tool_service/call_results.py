"""Remembers each call id's first result, so a redelivered or repeated call returns it and has no second effect."""

from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.contracts.tool_calls import ToolCallResult
from shared.errors import RetryLater

# longer than any redelivery, replay or resumed-run window
DEFAULT_TTL_SECONDS = 30 * 24 * 3600


class CallResults(Protocol):
    async def first_result(self, call_id: str) -> ToolCallResult | None: ...

    async def remember(self, result: ToolCallResult) -> ToolCallResult:
        """Store ``result`` unless the call id already has one; returns the one that stays (the first)."""
        ...


class RedisCallResults:
    """``<service name>:call:<call id>`` -> the result as JSON."""

    def __init__(self, redis: Redis, service_name: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self.redis = redis
        self.prefix = f"{service_name}:call:"
        self.ttl_seconds = ttl_seconds

    async def first_result(self, call_id: str) -> ToolCallResult | None:
        try:
            stored = await self.redis.get(self.prefix + call_id)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
        return None if stored is None else ToolCallResult.model_validate_json(stored)

    async def remember(self, result: ToolCallResult) -> ToolCallResult:
        try:
            stored = await self.redis.set(self.prefix + result.call_id, result.model_dump_json(),
                                          ex=self.ttl_seconds, nx=True)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
        if stored:
            return result
        # another replica ran the same call id at the same moment: the first stored result wins
        return await self.first_result(result.call_id) or result


class InMemoryCallResults:
    """The same port in a dict, for unit tests of tool handlers."""

    def __init__(self) -> None:
        self.results: dict[str, ToolCallResult] = {}

    async def first_result(self, call_id: str) -> ToolCallResult | None:
        return self.results.get(call_id)

    async def remember(self, result: ToolCallResult) -> ToolCallResult:
        return self.results.setdefault(result.call_id, result)
