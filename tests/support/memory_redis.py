"""The few Redis commands the runtime's run store and memory use, kept in a dict: a fake of the same port for unit
tests of the runtime's logic (the real Redis is used by the integration and e2e tests)."""

import builtins
from typing import Any


class MemoryRedis:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    async def get(self, key: str) -> bytes | None:
        value = self.values.get(key)
        return value.encode() if isinstance(value, str) else value

    async def set(self, key: str, value: str | bytes, ex: int | None = None, nx: bool = False) -> bool:
        if nx and key in self.values:
            return False
        self.values[key] = value.decode() if isinstance(value, bytes) else value
        return True

    async def incr(self, key: str) -> int:
        self.values[key] = int(self.values.get(key, 0)) + 1
        return int(self.values[key])

    async def exists(self, key: str) -> int:
        return int(key in self.values)

    async def delete(self, key: str) -> int:
        return int(self.values.pop(key, None) is not None)

    async def sadd(self, key: str, member: str) -> int:
        members = self.values.setdefault(key, builtins.set())
        added = member not in members
        members.add(member)
        return int(added)

    async def srem(self, key: str, member: str) -> int:
        members = self.values.get(key, builtins.set())
        removed = member in members
        members.discard(member)
        return int(removed)

    async def smembers(self, key: str) -> builtins.set[bytes]:
        return {member.encode() for member in self.values.get(key, builtins.set())}

    def pipeline(self, transaction: bool = True) -> "MemoryPipeline":
        return MemoryPipeline(self)


class MemoryPipeline:
    def __init__(self, redis: MemoryRedis) -> None:
        self.redis = redis
        self.commands: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    async def __aenter__(self) -> "MemoryPipeline":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        def queue(*args: Any, **kwargs: Any) -> None:
            self.commands.append((name, args, kwargs))
        return queue

    async def execute(self) -> list[Any]:
        return [await getattr(self.redis, name)(*args, **kwargs) for name, args, kwargs in self.commands]
