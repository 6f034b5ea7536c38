"""The per-recipient rate limit (``per_key.recipient`` of email_sender in config/tool-limits.yaml), on top of
the per tool and tenant limit the tool machinery applies before the handler runs.

The machinery names a call's extra limit keys from its arguments alone, before anything is revealed; but one
person is ``<EMAIL_1>`` in every mail, so only the revealed address identifies a recipient across mails. This
gate is therefore taken after revealing, with the same library and Redis storage. The address never reaches
Redis: the key is an HMAC of it under a key derived from the vault key, so it cannot be guessed from a list of
addresses either.
"""

import asyncio
import hashlib
import hmac
import time
from collections.abc import Awaitable, Callable

from limits import RateLimitItem
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.exceptions import RedisError

from shared.errors import RetryLater

MAX_SLEEP_SECONDS = 1.0
MIN_SLEEP_SECONDS = 0.005


def recipient_limit_secret(vault_key: bytes) -> bytes:
    # a key of its own for this purpose, so a rate-limit key never doubles as anything the vault key protects
    return hashlib.sha256(b"mailspine email-sender recipient rate limit\x00" + vault_key).digest()


class RecipientGate:
    def __init__(self, tool: str, rate: RateLimitItem | None, storage: Storage, secret: bytes,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.tool = tool
        self.rate = rate  # None: recipients are not limited
        self.limiter = MovingWindowRateLimiter(storage)
        self.secret = secret
        self.clock = clock
        self.sleep = sleep

    def recipient_key(self, address: str) -> str:
        return hmac.new(self.secret, address.strip().casefold().encode(), hashlib.sha256).hexdigest()[:24]

    async def wait_for_turn(self, tenant: str, addresses: list[str]) -> float:
        """Take one slot per recipient, waiting as long as it takes (never dropped); the milliseconds waited."""
        if self.rate is None:
            return 0.0
        waited = 0.0
        try:
            for address in addresses:
                identifiers = (self.tool, "recipient", tenant, self.recipient_key(address))
                while not await self.limiter.hit(self.rate, *identifiers):
                    stats = await self.limiter.get_window_stats(self.rate, *identifiers)
                    pause = min(max(stats.reset_time - self.clock(), MIN_SLEEP_SECONDS), MAX_SLEEP_SECONDS)
                    await self.sleep(pause)
                    waited += pause
        except (RedisError, StorageError, ConnectionError) as exc:
            raise RetryLater(f"rate-limit storage unavailable: {exc}") from exc
        return round(waited * 1000, 1)
