"""Rate limits per tool and tenant (and per further key, such as a mail's recipient), kept in Redis by the
``limits`` library's moving window (one Lua script per hit, so replicas share a limit atomically).

A call over its limit waits for the window to free a slot and tries again: it is never dropped. The wait is
returned, so the caller can put it on the call's span. Limits are set in ``config/tool-limits.yaml``.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from urllib.parse import quote

import yaml
from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from pydantic import BaseModel, ConfigDict, Field, field_validator
from redis.exceptions import RedisError

from shared.errors import RetryLater
from shared.settings import REPO_ROOT, RedisSettings

DEFAULT_LIMITS_FILE = REPO_ROOT / "config" / "tool-limits.yaml"
# a waiting call re-checks at least this often, so a slot freed early (another replica's call failed) is taken
MAX_SLEEP_SECONDS = 1.0
MIN_SLEEP_SECONDS = 0.005


def _check_rate(value: str) -> str:
    parse(value)  # raises ValueError for anything the limits library cannot read, e.g. "10 per sec"
    return value


class ToolLimits(BaseModel):
    """One tool's limits, in the limits library's notation ("10/second", "100 per minute")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_tenant: str = Field(description="each tenant's rate for this tool")
    tenants: dict[str, str] = Field(default_factory=dict, description="tenants with a rate of their own")
    per_key: dict[str, str] = Field(default_factory=dict,
                                    description="further scopes a tool names per call, e.g. recipient: 10/minute")

    _valid_rate = field_validator("per_tenant")(_check_rate)

    @field_validator("tenants", "per_key")
    @classmethod
    def _valid_rates(cls, rates: dict[str, str]) -> dict[str, str]:
        for rate in rates.values():
            _check_rate(rate)
        return rates

    def tenant_rate(self, tenant: str) -> RateLimitItem:
        return parse(self.tenants.get(tenant, self.per_tenant))


class ToolLimitsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: ToolLimits
    tools: dict[str, ToolLimits] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DEFAULT_LIMITS_FILE) -> "ToolLimitsFile":
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))

    def for_tool(self, tool: str) -> ToolLimits:
        return self.tools.get(tool, self.default)


def redis_rate_limit_storage(redis: RedisSettings, service_name: str) -> RedisStorage:
    """The limits library's Redis storage over redis-py, as the service's own Redis user, its keys under
    ``<service name>:ratelimit:``."""
    options = redis.client_options()
    credentials = f"{quote(options['username'], safe='')}:{quote(options['password'], safe='')}"
    url = f"async+redis://{credentials}@{redis.host}:{redis.port}/0"
    return RedisStorage(url, implementation="redispy", key_prefix=f"{service_name}:ratelimit")


class RateGate:
    """Waits until one call of a tool fits every limit that applies to it."""

    def __init__(self, tool: str, limits: ToolLimits, storage: Storage,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.tool = tool
        self.limits = limits
        self.limiter = MovingWindowRateLimiter(storage)
        self.clock = clock
        self.sleep = sleep

    def scopes(self, tenant: str, extra: Mapping[str, str]) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        """(rate, identifiers) for each limit of one call; a scope without a configured rate is not limited."""
        scopes: list[tuple[RateLimitItem, tuple[str, ...]]] = [
            (self.limits.tenant_rate(tenant), (self.tool, "tenant", tenant))]
        for scope, identity in sorted(extra.items()):
            if scope in self.limits.per_key:
                scopes.append((parse(self.limits.per_key[scope]), (self.tool, scope, tenant, identity)))
        return scopes

    async def wait_for_turn(self, tenant: str, extra: Mapping[str, str] | None = None) -> float:
        """Take one slot in every scope, waiting as long as it takes; returns the milliseconds waited.

        Scopes are taken one after another and a taken slot is kept while the next one is awaited, so a wait
        never spends a slot twice."""
        waited = 0.0
        try:
            for rate, identifiers in self.scopes(tenant, extra or {}):
                while not await self.limiter.hit(rate, *identifiers):
                    stats = await self.limiter.get_window_stats(rate, *identifiers)
                    pause = min(max(stats.reset_time - self.clock(), MIN_SLEEP_SECONDS), MAX_SLEEP_SECONDS)
                    await self.sleep(pause)
                    waited += pause
        except (RedisError, StorageError, ConnectionError) as exc:
            raise RetryLater(f"rate-limit storage unavailable: {exc}") from exc
        return round(waited * 1000, 1)
