"""Tool rate limits and call results against the real Redis: a burst over one tenant's limit waits for slots
(none lost) while another tenant passes, the keys live under the service's prefix, and a call id's first result
stays the first."""

import asyncio
import uuid

import pytest

from infra.redis_acls import OPERATOR
from shared.contracts.tool_calls import ToolCallResult, ToolCallStatus
from shared.settings import RedisSettings
from shared.tool_service import RateGate, RedisCallResults, redis_rate_limit_storage
from shared.tool_service.rate_limits import ToolLimits

pytestmark = pytest.mark.usefixtures("infrastructure")


def test_a_burst_over_a_tenants_limit_waits_for_slots_and_another_tenant_does_not_wait() -> None:
    service = f"tool-test-{uuid.uuid4().hex[:8]}"
    gate = RateGate("notes", ToolLimits(per_tenant="5/second"),
                    redis_rate_limit_storage(RedisSettings.for_user(OPERATOR), service))
    tenant = f"acme-{uuid.uuid4().hex[:6]}"

    async def burst() -> tuple[list[float], float, list[bytes]]:
        waits = list(await asyncio.gather(*(gate.wait_for_turn(tenant) for _ in range(10))))
        other = await gate.wait_for_turn(f"globex-{uuid.uuid4().hex[:6]}")
        redis = RedisSettings.for_user(OPERATOR).client()
        try:
            keys = [key async for key in redis.scan_iter(match="*notes*")]
        finally:
            await redis.aclose()
        return waits, other, keys

    waits, other, keys = asyncio.run(burst())
    assert len(waits) == 10  # every call got its turn: none dropped
    assert sorted(waits)[:5] == [0.0] * 5  # the window's five slots at once
    assert all(wait > 0 for wait in sorted(waits)[5:])  # the rest waited for the window to move
    assert other == 0.0
    ours = [key.decode() for key in keys if service.encode() in key]
    assert ours and all(key.startswith(f"{service}:ratelimit:") for key in ours)


def test_the_first_result_of_a_call_id_stays_when_another_is_remembered() -> None:
    service = f"tool-test-{uuid.uuid4().hex[:8]}"

    async def scenario() -> tuple[ToolCallResult | None, ToolCallResult]:
        redis = RedisSettings.for_user(OPERATOR).client()
        try:
            results = RedisCallResults(redis, service, ttl_seconds=60)
            first = ToolCallResult(call_id="call-1", run_id="r", tool="notes", status=ToolCallStatus.OK,
                                   output={"n": 1})
            await results.remember(first)
            kept = await results.remember(first.model_copy(update={"output": {"n": 2}}))
            assert await redis.ttl(f"{service}:call:call-1") > 0
            return await results.first_result("call-1"), kept
        finally:
            await redis.aclose()

    stored, kept = asyncio.run(scenario())
    assert stored is not None and stored.output == {"n": 1} and kept.output == {"n": 1}
