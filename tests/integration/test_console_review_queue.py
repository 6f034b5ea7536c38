"""The console's review queue in the real Redis: oldest first per tenant, a claim only one reviewer holds and that
expires, and a decided request that a redelivery does not reopen. Each test uses its own tenant and cleans up."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from infra.redis_acls import OPERATOR
from services.console.handlers import ConsolePublishers
from services.console.review.desk import CLAIM_EXPIRED, CLAIMED, PII_REVEALED, RELEASED, ReviewDesk
from services.console.review.proposal import ReviewItem, build_decision
from services.console.review.queue_store import ClaimRefused, ReviewQueue
from shared.audit import AuditChain, verify_chain
from shared.contracts.audit import AuditEvent
from shared.contracts.crm import CrmAction, CrmWriteRequest
from shared.contracts.review import ReviewRequest, ReviewRequestMessage
from shared.settings import RedisSettings

pytestmark = pytest.mark.usefixtures("infrastructure")


def request(tenant: str, minutes_ago: int) -> ReviewRequestMessage:
    proposed = CrmWriteRequest(call_id=uuid.uuid4().hex, action=CrmAction.LOG_INTERACTION,
                               customer_address="<EMAIL_1>", summary="hello")
    return ReviewRequestMessage(tenant=tenant, mail_id=f"m-{uuid.uuid4().hex[:8]}",
                                created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
                                payload=ReviewRequest(reason="high stakes", proposed=proposed))


@asynccontextmanager
async def queue(claim_ms: int = 60_000) -> AsyncIterator[tuple[ReviewQueue, str]]:
    redis = RedisSettings.for_user(OPERATOR).client()  # the console's user may not SCAN; the cleanup does
    tenant = f"test-{uuid.uuid4().hex[:8]}"
    try:
        yield ReviewQueue(redis, claim_ms), tenant
    finally:
        keys = [k async for k in redis.scan_iter(match="console:review:*")]
        mine = [k for k in keys if tenant.encode() in k]
        if mine:
            await redis.delete(*mine)
        await redis.srem("console:review:tenants", tenant)
        await redis.aclose()


def test_open_items_are_oldest_first_and_a_claim_is_held_by_one_reviewer() -> None:
    async def scenario() -> None:
        async with queue() as (reviews, tenant):
            newer, older = request(tenant, 5), request(tenant, 50)
            for message in (newer, older, newer):  # a redelivery is not a second item
                await reviews.add(message)
            assert [o.item.request_id for o in await reviews.open_items(tenant)] == [older.id, newer.id]
            await reviews.claim(older.id, "rita.reviewer")
            await reviews.claim(older.id, "rita.reviewer")  # her own claim again: extended, not refused
            with pytest.raises(ClaimRefused, match=r"rita\.reviewer is working on this item"):
                await reviews.claim(older.id, "remy.reviewer")
            assert (await reviews.open_items(tenant))[0].claimed_by == "rita.reviewer"

    asyncio.run(scenario())


def test_a_forgotten_claim_expires_and_a_decided_item_stays_closed() -> None:
    async def scenario() -> None:
        async with queue(claim_ms=100) as (reviews, tenant):
            message = request(tenant, 1)
            await reviews.add(message)
            await reviews.claim(message.id, "rita.reviewer")
            await asyncio.sleep(0.3)  # past the claim's time to live
            await reviews.claim(message.id, "remy.reviewer")
            item = ReviewItem.from_message(message)
            await reviews.close(item, build_decision(item, "remy.reviewer", "approve", {}, None))
            assert await reviews.open_items(tenant) == []
            assert await reviews.add(message) is False  # redelivered after the decision: not reopened
            with pytest.raises(ClaimRefused, match="decided already"):
                await reviews.claim(message.id, "rita.reviewer")

    asyncio.run(scenario())


class Published:
    def __init__(self) -> None:
        self.values: list[dict[str, Any]] = []

    async def publish(self, value: dict[str, Any], key: bytes) -> None:
        self.values.append(value)


def test_claims_releases_expiries_and_reveals_are_audited_with_who() -> None:
    async def scenario() -> None:
        async with queue(claim_ms=100) as (reviews, tenant):
            message = request(tenant, 1)
            await reviews.add(message)
            item = ReviewItem.from_message(message)
            log = Published()
            desk = ReviewDesk(reviews, cast(ConsolePublishers, type("P", (), {"decisions": Published(),
                                                                             "audit": log})()), AuditChain("console"))
            first = await desk.claim(item, "rita.reviewer")
            assert (first.extended, first.expired) == (False, None)
            await asyncio.sleep(0.3)  # rita's claim runs out unused
            taken = await desk.claim(item, "remy.reviewer")
            assert taken.expired is not None and taken.expired.reviewer == "rita.reviewer"
            assert (await desk.claim(item, "remy.reviewer")).extended
            await desk.revealed(item, "remy.reviewer", ["<EMAIL_1>"])
            assert await desk.release(item, "remy.reviewer")
            assert not await desk.release(item, "remy.reviewer")  # nothing held: nothing audited
            again = await desk.claim(item, "rita.reviewer")
            assert again.expired is None  # a release is not an expiry

            events = [AuditEvent.model_validate(v) for v in log.values]
            assert [(e.action, e.detail["reviewer"]) for e in events] == [
                (CLAIMED, "rita.reviewer"), (CLAIM_EXPIRED, "rita.reviewer"), (CLAIMED, "remy.reviewer"),
                (CLAIMED, "remy.reviewer"), (PII_REVEALED, "remy.reviewer"), (RELEASED, "remy.reviewer"),
                (CLAIMED, "rita.reviewer")]
            assert events[1].detail["noticed_by"] == "remy.reviewer"
            assert events[4].detail["placeholders"] == ["<EMAIL_1>"]
            assert {e.mail_id for e in events} == {message.mail_id} and verify_chain(events)

    asyncio.run(scenario())
