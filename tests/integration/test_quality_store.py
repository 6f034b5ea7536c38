"""The evaluator's aggregates in the real Redis: counted once, windowed, filtered, and the quality answer on
top of them. The test writes in a window far in the past (2001), so it never mixes with live aggregates, and
removes its buckets afterwards."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from services.evaluator.drift.aggregates import QualityStore
from services.evaluator.drift.detection import ChangeEvent
from services.evaluator.drift.quality_report import QualityQuestion, answer
from services.evaluator.keys import BUCKET_RUNS, BUCKET_SCORES, BUCKETS
from services.evaluator.runs import RunIndex
from shared.contracts.eval_score import GROUNDED, JUDGE_ACCEPTABLE, EvalScore, ScoredRun
from shared.redis_text import redis_text
from shared.settings import RedisSettings

pytestmark = pytest.mark.usefixtures("infrastructure")

NOW = datetime(2001, 3, 1, 12, 0, tzinfo=UTC)
BUCKET_SECONDS = 60


def run_at(at: datetime, version: str = "1.0.0", arm: str = "stable") -> ScoredRun:
    return ScoredRun(trace_id=uuid.uuid4().hex, span_id=uuid.uuid4().hex[:16], prompt="extract-email",
                     prompt_version=version, content_hash="sha256:x", arm=arm, model="m", index_version=None,
                     run_at=at)


def score(run: ScoredRun, metric: str, passed: bool) -> EvalScore:
    return EvalScore(score_id=uuid.uuid4().hex, source="judge", metric=metric, passed=passed, scorer="t", run=run,
                     observed_at=run.run_at)


@asynccontextmanager
async def quality_store() -> AsyncIterator[QualityStore]:
    """A store on the real Redis; its 2001 buckets are cleared before (an interrupted run may have left some)
    and after."""
    redis = RedisSettings.for_user("evaluator").client()

    async def clear() -> None:
        low, high = int((NOW - timedelta(days=2)).timestamp()) // 60, int(NOW.timestamp()) // 60 + 10
        for member in await redis.zrangebyscore(BUCKETS, low, high):
            bucket = int(redis_text(cast(bytes, member)))  # members only: no withscores
            await redis.delete(BUCKET_SCORES.format(bucket=bucket), BUCKET_RUNS.format(bucket=bucket))
        await redis.zremrangebyscore(BUCKETS, low, high)

    await clear()
    try:
        yield QualityStore(redis, BUCKET_SECONDS, 3600)
    finally:
        await clear()
        await redis.aclose()


async def fill(store: QualityStore, start: datetime, runs: int, passed: int, version: str = "1.0.0") -> None:
    for i in range(runs):
        run = run_at(start + timedelta(seconds=i * 10), version)
        await store.record_run(f"m-{uuid.uuid4().hex}", "acme", run)
        await store.record_score("acme", score(run, JUDGE_ACCEPTABLE, i < passed))


def test_a_score_counts_once_and_windows_filter_by_time_and_dimensions() -> None:
    async def scenario() -> None:
        async with quality_store() as store:
            run = run_at(NOW - timedelta(minutes=5))
            once = score(run, GROUNDED, True)
            assert await store.record_score("acme", once) and not await store.record_score("acme", once)
            await store.record_score("acme", score(run_at(NOW - timedelta(minutes=5), "1.0.1"), GROUNDED, False))
            window = await store.scores(NOW - timedelta(minutes=10), NOW)
            assert (window[GROUNDED].k, window[GROUNDED].n) == (1, 2)
            only_new = await store.scores(NOW - timedelta(minutes=10), NOW, {"version": "1.0.1"})
            assert (only_new[GROUNDED].k, only_new[GROUNDED].n) == (0, 1)
            assert await store.scores(NOW - timedelta(minutes=10), NOW, {"tenant": "globex"}) == {}
            assert await store.scores(NOW - timedelta(hours=3), NOW - timedelta(hours=2)) == {}

    asyncio.run(scenario())


def test_quality_says_yes_on_a_real_drop_and_names_the_new_version() -> None:
    async def scenario() -> None:
        async with quality_store() as store:
            question = QualityQuestion(prompt="extract-email", window=timedelta(hours=1), baseline=timedelta(hours=3))
            await fill(store, NOW - timedelta(hours=3), runs=300, passed=270)  # 90%
            await fill(store, NOW - timedelta(minutes=55), runs=300, passed=180, version="1.0.1")  # 60%
            await store.record_change(ChangeEvent(at=NOW - timedelta(minutes=58), kind="promoted",
                                                  description="extract-email production 1.0.0 → 1.0.1 by t: test"),
                                      prompt="extract-email", event_id=uuid.uuid4().hex)
            report = await answer(store, question, now=NOW)
            assert report.worse
            [judge] = [f for f in report.findings if f.metric == JUDGE_ACCEPTABLE]
            assert judge.comparison is not None and judge.comparison.interval[1] < 0
            assert any("1.0.1" in change for change in report.coinciding_changes)
            assert report.headline().startswith("yes: judge.acceptable fell")

    asyncio.run(scenario())


def test_quality_says_no_when_the_rate_is_unchanged() -> None:
    async def scenario() -> None:
        async with quality_store() as store:
            question = QualityQuestion(prompt="extract-email", window=timedelta(hours=1), baseline=timedelta(hours=3))
            await fill(store, NOW - timedelta(hours=3), runs=300, passed=270)
            await fill(store, NOW - timedelta(minutes=55), runs=300, passed=268)
            report = await answer(store, question, now=NOW)
            assert not report.worse and report.headline().startswith("no:")

    asyncio.run(scenario())


def test_a_signal_that_beats_its_run_waits_for_it() -> None:
    async def scenario() -> None:
        redis = RedisSettings.for_user("evaluator").client()
        try:
            runs, mail_id = RunIndex(redis, 60, 60), f"m-{uuid.uuid4().hex}"
            assert await runs.get(mail_id) is None
            await runs.wait_for_run(mail_id, {"kind": "crm.acks.v1", "message": {"n": 1}})
            await runs.wait_for_run(mail_id, {"kind": "crm.acks.v1", "message": {"n": 2}})
            assert [p["message"]["n"] for p in await runs.take_pending(mail_id)] == [1, 2]
            assert await runs.take_pending(mail_id) == []  # taken once
        finally:
            await redis.aclose()

    asyncio.run(scenario())
