"""Redis holds each side of the join (accepted mail, run summary) until the other side arrives.

Whichever side comes second writes the record; each side is stored before the other is looked up, so two
handlers racing on one mail both see the pair (and write the same object twice, which is harmless)."""

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.tools.history_indexer.records import StagedMail, StagedRun
from shared.errors import RetryLater

PREFIX = "history-indexer:"


class JoinStaging:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def _mail_key(tenant: str, mail_id: str) -> str:
        return f"{PREFIX}mail:{tenant}:{mail_id}"

    @staticmethod
    def _run_key(tenant: str, mail_id: str) -> str:
        return f"{PREFIX}run:{tenant}:{mail_id}"

    async def stage_mail(self, mail: StagedMail) -> StagedRun | None:
        """Keep the mail; returns its run summary when that came first."""
        found = await self._put_then_get(self._mail_key(mail.tenant, mail.mail_id), mail.model_dump_json(),
                                         self._run_key(mail.tenant, mail.mail_id))
        return StagedRun.model_validate_json(found) if found else None

    async def stage_run(self, run: StagedRun) -> StagedMail | None:
        """Keep the run summary; returns its mail when that came first."""
        found = await self._put_then_get(self._run_key(run.tenant, run.mail_id), run.model_dump_json(),
                                         self._mail_key(run.tenant, run.mail_id))
        return StagedMail.model_validate_json(found) if found else None

    async def _put_then_get(self, key: str, value: str, other: str) -> bytes | str | None:
        try:
            await self.redis.set(key, value, ex=self.ttl_seconds)
            found: bytes | str | None = await self.redis.get(other)
            return found
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
