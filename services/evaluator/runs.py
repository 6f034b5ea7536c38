"""The run index: what agent.runs.v1 said about each mail, so a signal that comes later (a CRM ack, a review,
a thumbs-up) is joined to its trace id and prompt version. A signal that beats its run waits in a queue."""

import json
from dataclasses import dataclass

from redis.asyncio import Redis

from services.evaluator.keys import PENDING, RUN
from shared.contracts.agent_run import AgentRunMessage, RunEvidence
from shared.contracts.eval_score import ScoredRun


@dataclass(frozen=True)
class IndexedRun:
    mail_id: str
    tenant: str
    run: ScoredRun
    sampled: bool
    evidence: RunEvidence | None


def scored_run(message: AgentRunMessage) -> ScoredRun:
    summary = message.payload
    prompt = summary.prompts[0]  # the run's first prompt is the one its outcome depends on
    return ScoredRun(trace_id=summary.trace_id, span_id=summary.span_id, prompt=prompt.name,
                     prompt_version=prompt.version, content_hash=prompt.content_hash, arm=prompt.arm,
                     model=summary.model, index_version=summary.index_version, run_at=message.created_at)


class RunIndex:
    def __init__(self, redis: Redis, run_ttl_seconds: int, pending_ttl_seconds: int) -> None:
        self.redis, self.run_ttl, self.pending_ttl = redis, run_ttl_seconds, pending_ttl_seconds

    async def put(self, message: AgentRunMessage) -> IndexedRun:
        indexed = IndexedRun(mail_id=message.mail_id, tenant=message.tenant, run=scored_run(message),
                             sampled=message.payload.sampled, evidence=message.payload.evidence)
        value = {"tenant": indexed.tenant, "sampled": indexed.sampled, "run": indexed.run.model_dump(mode="json"),
                 "evidence": indexed.evidence.model_dump(mode="json") if indexed.evidence else None}
        await self.redis.set(RUN.format(mail_id=message.mail_id), json.dumps(value), ex=self.run_ttl)
        return indexed

    async def get(self, mail_id: str) -> IndexedRun | None:
        raw = await self.redis.get(RUN.format(mail_id=mail_id))
        if raw is None:
            return None
        value = json.loads(raw)
        evidence = RunEvidence.model_validate(value["evidence"]) if value["evidence"] else None
        return IndexedRun(mail_id=mail_id, tenant=value["tenant"], run=ScoredRun.model_validate(value["run"]),
                          sampled=value["sampled"], evidence=evidence)

    async def wait_for_run(self, mail_id: str, signal: dict) -> None:
        key = PENDING.format(mail_id=mail_id)
        await self.redis.rpush(key, json.dumps(signal))
        await self.redis.expire(key, self.pending_ttl)

    async def take_pending(self, mail_id: str) -> list[dict]:
        key = PENDING.format(mail_id=mail_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            raw, _ = await pipe.execute()
        return [json.loads(item) for item in raw]
