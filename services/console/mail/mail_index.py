"""What the console knows about each accepted mail (placeholders only, never revealed values), found by mail id,
Message-ID or customer key, plus the eval scores of its runs. Redis, under ``console:mail:``."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from redis.asyncio import Redis

from shared.redis_text import redis_text

MAIL = "console:mail:{mail_id}"  # JSON: tenant, message id, placeholders, guardrail, trace id
BY_MESSAGE_ID = "console:mail:message-id:{message_id}"  # -> mail id
BY_CUSTOMER = "console:mail:customer:{customer_key}"  # sorted set of mail ids by arrival
SCORES = "console:mail:scores:{mail_id}"  # hash: score id -> the score as JSON
SEARCH_LIMIT = 50


class MailIndex:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def record_accepted(self, accepted: dict[str, Any], trace_id: str | None) -> None:
        body = accepted.get("payload") or {}
        mail_id = str(accepted["mail_id"])
        summary: dict[str, Any] = {"mail_id": mail_id, "tenant": accepted.get("tenant"), "trace_id": trace_id,
                   "message_id": body.get("message_id"), "sender": body.get("sender"),
                   "sender_address": body.get("sender_address"), "subject": body.get("subject"),
                   "body": body.get("body"), "received_at": body.get("received_at"),
                   "guardrail": body.get("guardrail"), "address_keys": body.get("address_keys") or {},
                   "requires_human_review": body.get("requires_human_review")}
        received = _timestamp(body.get("received_at"))
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(MAIL.format(mail_id=mail_id), json.dumps(summary))
            if summary["message_id"]:
                pipe.set(BY_MESSAGE_ID.format(message_id=summary["message_id"].strip("<>")), mail_id)
            for customer_key in summary["address_keys"].values():
                pipe.zadd(BY_CUSTOMER.format(customer_key=customer_key), {mail_id: received})
            await pipe.execute()

    async def record_score(self, score: dict[str, Any]) -> None:
        payload = score.get("payload") or {}
        await self.redis.hset(SCORES.format(mail_id=score["mail_id"]), str(payload.get("score_id")),
                              json.dumps(payload))

    async def get(self, mail_id: str) -> dict[str, Any] | None:
        raw = await self.redis.get(MAIL.format(mail_id=mail_id))
        return json.loads(raw) if raw is not None else None

    async def scores(self, mail_id: str) -> list[dict[str, Any]]:
        found = [json.loads(v) for v in (await self.redis.hgetall(SCORES.format(mail_id=mail_id))).values()]
        return sorted(found, key=lambda s: (s.get("metric") or "", s.get("observed_at") or ""))

    async def search(self, query: str, key_of: Callable[[str], str] | None = None) -> list[str]:
        """Mail ids matching a mail id, a Message-ID (with or without <>), a customer key or (given ``key_of``, the
        customer-key function) a customer's e-mail address, newest first."""
        query = query.strip()
        if not query:
            return []
        if key_of is not None and "@" in query and not query.startswith("<"):
            by_address = await self.redis.zrevrange(BY_CUSTOMER.format(customer_key=key_of(query)), 0,
                                                    SEARCH_LIMIT - 1)
            if by_address:
                return [redis_text(cast(bytes, m)) for m in by_address]
        if await self.redis.exists(MAIL.format(mail_id=query)):
            return [query]
        by_message_id = await self.redis.get(BY_MESSAGE_ID.format(message_id=query.strip("<>")))
        if by_message_id is not None:
            return [redis_text(by_message_id)]
        found = await self.redis.zrevrange(BY_CUSTOMER.format(customer_key=query), 0, SEARCH_LIMIT - 1)
        return [redis_text(cast(bytes, m)) for m in found]


def _timestamp(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return 0.0
