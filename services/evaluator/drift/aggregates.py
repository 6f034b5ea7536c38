"""Aggregates in Redis: pass/total counts per metric, tenant, prompt version, model, arm and retrieval index,
in time buckets of the run's time; plus the run mix per bucket and the registry changes. Windows are sums of
buckets, so any window can be asked for after the fact."""

import json
from collections import Counter
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import cast

from redis.asyncio import Redis

from services.evaluator.drift.detection import ChangeEvent
from services.evaluator.keys import (
    BUCKET_RUNS,
    BUCKET_SCORES,
    BUCKETS,
    CHANGE_DETAILS,
    CHANGES,
    SEEN_RUN,
    SEEN_SCORE,
)
from services.evaluator.stats import Proportion
from shared.contracts.eval_score import EvalScore, ScoredRun
from shared.redis_text import redis_text

NO_INDEX = "-"
_SEPARATOR = "\t"


@dataclass(frozen=True)
class Dimensions:
    tenant: str
    prompt: str
    version: str
    model: str
    arm: str
    index: str = NO_INDEX

    @classmethod
    def of(cls, tenant: str, run: ScoredRun) -> "Dimensions":
        return cls(tenant=tenant, prompt=run.prompt, version=run.prompt_version, model=run.model, arm=run.arm,
                   index=run.index_version or NO_INDEX)

    def key(self) -> str:
        return _SEPARATOR.join(getattr(self, f.name) for f in fields(self))

    @classmethod
    def parse(cls, key: str) -> "Dimensions":
        return cls(*key.split(_SEPARATOR))

    def matches(self, where: dict[str, str | None]) -> bool:
        return all(value is None or getattr(self, name) == value for name, value in where.items())


class QualityStore:
    def __init__(self, redis: Redis, bucket_seconds: int, seen_ttl_seconds: int) -> None:
        self.redis, self.bucket_seconds, self.seen_ttl = redis, bucket_seconds, seen_ttl_seconds

    def bucket_of(self, at: datetime) -> int:
        return int(at.timestamp()) // self.bucket_seconds

    async def record_score(self, tenant: str, score: EvalScore) -> bool:
        """Count a score once; False when this score id was counted before (a redelivery)."""
        if not await self.redis.set(SEEN_SCORE.format(score_id=score.score_id), 1, nx=True, ex=self.seen_ttl):
            return False
        bucket = self.bucket_of(score.run.run_at)
        field = f"{score.metric}{_SEPARATOR}{Dimensions.of(tenant, score.run).key()}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(BUCKET_SCORES.format(bucket=bucket), f"{field}{_SEPARATOR}n", 1)
            pipe.hincrby(BUCKET_SCORES.format(bucket=bucket), f"{field}{_SEPARATOR}k", int(score.passed))
            pipe.zadd(BUCKETS, {str(bucket): bucket})
            await pipe.execute()
        return True

    async def record_run(self, mail_id: str, tenant: str, run: ScoredRun) -> bool:
        seen = SEEN_RUN.format(mail_id=mail_id, trace_id=run.trace_id)
        if not await self.redis.set(seen, 1, nx=True, ex=self.seen_ttl):
            return False
        bucket = self.bucket_of(run.run_at)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(BUCKET_RUNS.format(bucket=bucket), Dimensions.of(tenant, run).key(), 1)
            pipe.zadd(BUCKETS, {str(bucket): bucket})
            await pipe.execute()
        return True

    async def _buckets(self, start: datetime, end: datetime) -> list[int]:
        found = await self.redis.zrangebyscore(BUCKETS, self.bucket_of(start), self.bucket_of(end))
        return [int(cast(bytes, b)) for b in found]  # members only: no withscores

    async def scores(self, start: datetime, end: datetime,
                     where: dict[str, str | None] | None = None) -> dict[str, Proportion]:
        """Pass/total per metric over the buckets from ``start`` to ``end``, for runs matching ``where``."""
        where = where or {}
        totals: dict[str, list[int]] = {}
        for bucket in await self._buckets(start, end):
            for raw_field, raw_count in (await self.redis.hgetall(BUCKET_SCORES.format(bucket=bucket))).items():
                metric, *dims, kind = redis_text(raw_field).split(_SEPARATOR)
                if not Dimensions(*dims).matches(where):
                    continue
                counts = totals.setdefault(metric, [0, 0])
                counts[0 if kind == "k" else 1] += int(raw_count)
        return {metric: Proportion(k=k, n=n) for metric, (k, n) in sorted(totals.items())}

    async def series(self, start: datetime, end: datetime,
                     where: dict[str, str | None] | None = None) -> list[tuple[int, str, Dimensions, Proportion]]:
        """Per time bucket, metric and dimensions: pass/total (what the quality page draws over time)."""
        where = where or {}
        points: dict[tuple[int, str, str], list[int]] = {}
        for bucket in await self._buckets(start, end):
            for raw_field, raw_count in (await self.redis.hgetall(BUCKET_SCORES.format(bucket=bucket))).items():
                metric, *dims, kind = redis_text(raw_field).split(_SEPARATOR)
                if not Dimensions(*dims).matches(where):
                    continue
                counts = points.setdefault((bucket, metric, _SEPARATOR.join(dims)), [0, 0])
                counts[0 if kind == "k" else 1] += int(raw_count)
        return [(bucket * self.bucket_seconds, metric, Dimensions.parse(dims), Proportion(k=k, n=n))
                for (bucket, metric, dims), (k, n) in sorted(points.items())]

    async def mix(self, start: datetime, end: datetime,
                  where: dict[str, str | None] | None = None) -> dict[str, Counter]:
        """How many runs each prompt version, model and retrieval index served in the window."""
        where = where or {}
        mix: dict[str, Counter] = {"prompt_version": Counter(), "model": Counter(), "index_version": Counter()}
        for bucket in await self._buckets(start, end):
            for raw_key, raw_count in (await self.redis.hgetall(BUCKET_RUNS.format(bucket=bucket))).items():
                dims = Dimensions.parse(redis_text(raw_key))
                if not dims.matches(where):
                    continue
                count = int(raw_count)
                mix["prompt_version"][f"{dims.prompt} {dims.version}"] += count
                mix["model"][dims.model] += count
                mix["index_version"][dims.index] += count
        return mix

    async def record_change(self, change: ChangeEvent, prompt: str, event_id: str) -> None:
        """Idempotent per registry event id."""
        value = json.dumps({"prompt": prompt, **asdict(change)}, default=str)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(CHANGES, {event_id: change.at.timestamp()})
            pipe.hset(CHANGE_DETAILS, event_id, value)
            await pipe.execute()

    async def changes(self, start: datetime, end: datetime, prompts: set[str] | None = None) -> list[ChangeEvent]:
        """Registry changes in the window, of ``prompts`` only when given."""
        found = []
        event_ids = await self.redis.zrangebyscore(CHANGES, start.timestamp(), end.timestamp())
        details = await self.redis.hmget(CHANGE_DETAILS, cast(list[bytes], event_ids)) if event_ids else []
        for raw in details:
            if raw is None:
                continue
            value = json.loads(raw)
            if prompts is None or value["prompt"] in prompts:
                found.append(ChangeEvent(at=datetime.fromisoformat(value["at"]), kind=value["kind"],
                                         description=value["description"]))
        return found
