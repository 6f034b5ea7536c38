"""Remembers each reply the relay accepted, by call id, the moment it accepted it: a call redelivered after the
send (the process died before its result was stored or published) is answered from here, not sent again."""

from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.contracts.tools.email_sender import SentReply
from shared.errors import RetryLater


class SentReplies(Protocol):
    async def sent(self, call_id: str) -> SentReply | None: ...

    async def record(self, reply: SentReply) -> None: ...


class RedisSentReplies:
    """``<service name>:sent:<call id>`` -> the SentReply as JSON (placeholders only, like the topic)."""

    def __init__(self, redis: Redis, service_name: str, ttl_seconds: int) -> None:
        self.redis = redis
        self.prefix = f"{service_name}:sent:"
        self.ttl_seconds = ttl_seconds

    async def sent(self, call_id: str) -> SentReply | None:
        try:
            stored = await self.redis.get(self.prefix + call_id)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
        return None if stored is None else SentReply.model_validate_json(stored)

    async def record(self, reply: SentReply) -> None:
        try:
            await self.redis.set(self.prefix + reply.call_id, reply.model_dump_json(), ex=self.ttl_seconds)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc


class InMemorySentReplies:
    """The same port in a dict, for unit tests."""

    def __init__(self) -> None:
        self.replies: dict[str, SentReply] = {}

    async def sent(self, call_id: str) -> SentReply | None:
        return self.replies.get(call_id)

    async def record(self, reply: SentReply) -> None:
        self.replies[reply.call_id] = reply
