"""The registry's materialized view in Redis: per prompt its versions, labels, rollout and recent events, and
each version's artifact. Rebuilt from the topics on every start, so a wiped Redis recovers.

Keys (prefix ``registry:view`` by default: the registry's own Redis user owns ``registry:*``):
  {prefix}:names                  set of prompt names
  {prefix}:prompt:{name}          hash: labels, versions, owner, events (JSON)
  {prefix}:artifact:{name}@{ver}  the published record (JSON), artifact included
"""

import json
from typing import Any

from redis.asyncio import Redis

from shared.contracts.registry import LabelState, PublishedVersion, RegistryEvent
from shared.prompts.registry_state import PromptNotFound, PromptState, RegistryState, verified_artifact
from shared.redis_text import redis_text

RECENT_EVENTS = 200


class RegistryView:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def _prompt_key(self, name: str) -> str:
        return f"{self.prefix}:prompt:{name}"

    def _artifact_key(self, name: str, version: str) -> str:
        return f"{self.prefix}:artifact:{name}@{version}"

    async def rebuild(self, state: RegistryState) -> None:
        """Replace the whole view with ``state`` (one MULTI, so a reader sees the old view or the new one)."""
        stale = [key async for key in self.redis.scan_iter(match=f"{self.prefix}:*")]
        async with self.redis.pipeline(transaction=True) as pipe:
            if stale:
                pipe.delete(*stale)
            for prompt in state.prompts.values():
                self._write(pipe, prompt)
            await pipe.execute()

    async def write_prompt(self, prompt: PromptState) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            self._write(pipe, prompt)
            await pipe.execute()

    def _write(self, pipe: Any, prompt: PromptState) -> None:
        if not prompt.versions:
            return
        versions = [{"version": v, "content_hash": prompt.versions[v].content_hash,
                     "published_by": prompt.versions[v].published_by,
                     "published_at": prompt.versions[v].published_at.isoformat(),
                     "owner": prompt.artifacts[v].owner, "changelog": prompt.artifacts[v].changelog}
                    for v in prompt.sorted_versions()]
        pipe.sadd(f"{self.prefix}:names", prompt.name)
        pipe.hset(self._prompt_key(prompt.name), mapping={
            "labels": prompt.labels.model_dump_json(),
            "versions": json.dumps(versions),
            "owner": prompt.owner() or "",
            "events": json.dumps([e.model_dump(mode="json") for e in prompt.events[-RECENT_EVENTS:]]),
        })
        for version, record in prompt.versions.items():
            pipe.set(self._artifact_key(prompt.name, version), record.model_dump_json())

    async def names(self) -> list[str]:
        return sorted(redis_text(name) for name in await self.redis.smembers(f"{self.prefix}:names"))

    async def summary(self, name: str) -> dict[str, Any]:
        fields = await self.redis.hgetall(self._prompt_key(name))
        if not fields:
            raise PromptNotFound(f"no prompt named {name!r} in the registry (have: {', '.join(await self.names())})")
        return {"name": name, "owner": redis_text(fields[b"owner"]) or None,
                "labels": json.loads(fields[b"labels"]), "versions": json.loads(fields[b"versions"]),
                "events": json.loads(fields[b"events"])}

    async def record(self, name: str, version: str) -> PublishedVersion:
        raw = await self.redis.get(self._artifact_key(name, version))
        if raw is None:
            await self.summary(name)  # a precise message for an unknown prompt
            raise PromptNotFound(f"{name} has no version {version}")
        return PublishedVersion.model_validate_json(raw)

    async def prompt_state(self, name: str) -> PromptState:
        """The prompt as the fold sees it, read back from Redis (artifacts verified again on the way out)."""
        summary = await self.summary(name)
        prompt = PromptState(name, labels=LabelState.model_validate(summary["labels"]),
                             events=[RegistryEvent.model_validate(e) for e in summary["events"]])
        for entry in summary["versions"]:
            record = await self.record(name, entry["version"])
            prompt.versions[record.version] = record
            prompt.artifacts[record.version] = verified_artifact(record)
        return prompt

