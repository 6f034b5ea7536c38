"""The open review requests in Redis (``console:`` keys): per tenant, oldest first; a claim is a key that
expires (SET NX PX), so two reviewers never decide the same item and a forgotten claim frees itself."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis.asyncio import Redis

from services.console.review.proposal import ReviewItem
from shared.contracts.review import ReviewDecisionMessage, ReviewRequestMessage
from shared.redis_text import redis_text

TENANTS = "console:review:tenants"
OPEN = "console:review:open:{tenant}"  # sorted set: request id by creation time
ITEM = "console:review:item:{request_id}"  # the request message as JSON
CLAIM = "console:review:claim:{request_id}"  # the reviewer holding it, with a time to live
DECIDED = "console:review:decided:{request_id}"  # the decision message as JSON
BY_MAIL = "console:review:mail:{mail_id}"  # set of request ids of one mail
# the newest claim of an item and until when it held, kept past the claim's own expiry: the next claim can then tell
# (and the audit log say) that it expired unused; a release or a decision forgets it
LAST_CLAIM = "console:review:last-claim:{request_id}"
LAST_CLAIM_TTL_SECONDS = 30 * 24 * 3600


class ClaimRefused(Exception):
    """Someone else holds the item, or it was decided already; the message names who or what."""


@dataclass(frozen=True)
class OpenItem:
    item: ReviewItem
    claimed_by: str | None


@dataclass(frozen=True)
class Claim:
    reviewer: str
    until: datetime
    extended: bool  # the reviewer held it already
    expired: "Claim | None" = None  # an earlier claim that ran out without a release or a decision


class ReviewQueue:
    def __init__(self, redis: Redis, claim_ms: int) -> None:
        self.redis, self.claim_ms = redis, claim_ms

    async def add(self, message: ReviewRequestMessage) -> bool:
        """Idempotent: a redelivered or already decided request is not reopened."""
        if await self.redis.exists(DECIDED.format(request_id=message.id)):
            return False
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(ITEM.format(request_id=message.id), message.model_dump_json())
            pipe.zadd(OPEN.format(tenant=message.tenant), {message.id: message.created_at.timestamp()})
            pipe.sadd(TENANTS, message.tenant)
            pipe.sadd(BY_MAIL.format(mail_id=message.mail_id), message.id)
            await pipe.execute()
        return True

    async def tenants(self) -> list[str]:
        return sorted(redis_text(t) for t in await self.redis.smembers(TENANTS))

    async def open_items(self, tenant: str, limit: int = 1000) -> list[OpenItem]:
        ids = [redis_text(cast(bytes, i)) for i in await self.redis.zrange(OPEN.format(tenant=tenant), 0, limit - 1)]
        if not ids:
            return []
        raw_items = await self.redis.mget([ITEM.format(request_id=i) for i in ids])
        holders = await self.redis.mget([CLAIM.format(request_id=i) for i in ids])
        return [OpenItem(_item(raw), redis_text(holder) if holder else None)
                for raw, holder in zip(raw_items, holders, strict=True) if raw is not None]

    async def get(self, request_id: str) -> ReviewItem | None:
        raw = await self.redis.get(ITEM.format(request_id=request_id))
        return _item(raw) if raw is not None else None

    async def holder(self, request_id: str) -> str | None:
        raw = await self.redis.get(CLAIM.format(request_id=request_id))
        return redis_text(raw) if raw else None

    async def claim(self, request_id: str, reviewer: str) -> Claim:
        """Take the item for ``claim_ms``; claiming it again extends one's own claim."""
        if await self.decision_of(request_id) is not None:
            raise ClaimRefused("this item was decided already")
        key = CLAIM.format(request_id=request_id)
        until = datetime.now(UTC) + timedelta(milliseconds=self.claim_ms)
        if await self.redis.set(key, reviewer, nx=True, px=self.claim_ms):
            expired = await self._last_claim(request_id)
            await self._remember(request_id, reviewer, until)
            return Claim(reviewer, until, extended=False, expired=expired)
        holder = await self.holder(request_id)
        if holder == reviewer:
            await self.redis.pexpire(key, self.claim_ms)
            await self._remember(request_id, reviewer, until)
            return Claim(reviewer, until, extended=True)
        raise ClaimRefused(f"{holder or 'another reviewer'} is working on this item")

    async def _remember(self, request_id: str, reviewer: str, until: datetime) -> None:
        await self.redis.set(LAST_CLAIM.format(request_id=request_id),
                             json.dumps({"reviewer": reviewer, "until": until.isoformat()}), ex=LAST_CLAIM_TTL_SECONDS)

    async def _last_claim(self, request_id: str) -> Claim | None:
        """The claim before this one, which can only have expired (a release or a decision forgets it)."""
        raw = await self.redis.get(LAST_CLAIM.format(request_id=request_id))
        if raw is None:
            return None
        last = json.loads(raw)
        return Claim(last["reviewer"], datetime.fromisoformat(last["until"]), extended=False)

    async def release(self, request_id: str, reviewer: str) -> bool:
        """Whether ``reviewer`` held the item (and now no longer does)."""
        if await self.holder(request_id) != reviewer:
            return False
        await self.redis.delete(CLAIM.format(request_id=request_id), LAST_CLAIM.format(request_id=request_id))
        return True

    async def close(self, item: ReviewItem, decision: ReviewDecisionMessage) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(DECIDED.format(request_id=item.request_id), decision.model_dump_json())
            pipe.zrem(OPEN.format(tenant=item.tenant), item.request_id)
            pipe.delete(CLAIM.format(request_id=item.request_id), LAST_CLAIM.format(request_id=item.request_id))
            await pipe.execute()

    async def decision_of(self, request_id: str) -> ReviewDecisionMessage | None:
        raw = await self.redis.get(DECIDED.format(request_id=request_id))
        return ReviewDecisionMessage.model_validate_json(raw) if raw is not None else None

    async def of_mail(self, mail_id: str) -> list[tuple[ReviewItem, ReviewDecisionMessage | None]]:
        found = []
        for request_id in sorted(redis_text(i) for i in await self.redis.smembers(BY_MAIL.format(mail_id=mail_id))):
            item = await self.get(request_id)
            if item is not None:
                found.append((item, await self.decision_of(request_id)))
        return found


def _item(raw: Any) -> ReviewItem:
    return ReviewItem.from_message(ReviewRequestMessage.model_validate(json.loads(cast(bytes, raw))))
