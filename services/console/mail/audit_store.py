"""audit.log.v1 as the console keeps it: every event by chain (so a chain can be replayed from its first link)
and the links of each mail. Whether a mail's audit verifies = whether every chain holding one of its events
replays unbroken (shared/audit.py's verify_chain) up to its newest link."""

import json
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.audit import verify_chain
from shared.contracts.audit import AuditEvent
from shared.redis_text import redis_text

CHAIN = "console:audit:chain:{chain_id}"  # hash: sequence -> event JSON
OF_MAIL = "console:audit:mail:{mail_id}"  # set of "chain_id sequence"


@dataclass(frozen=True)
class MailAudit:
    events: list[AuditEvent]
    chains: dict[str, bool]  # chain id -> verifies

    @property
    def verifies(self) -> bool | None:
        """None when there is nothing to verify."""
        return all(self.chains.values()) if self.chains else None


class AuditStore:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def record(self, event: AuditEvent) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(CHAIN.format(chain_id=event.chain_id), str(event.sequence), event.model_dump_json())
            if event.mail_id:
                pipe.sadd(OF_MAIL.format(mail_id=event.mail_id), f"{event.chain_id} {event.sequence}")
            await pipe.execute()

    async def chain(self, chain_id: str) -> list[AuditEvent]:
        raw = await self.redis.hgetall(CHAIN.format(chain_id=chain_id))
        return sorted((AuditEvent.model_validate(json.loads(v)) for v in raw.values()), key=lambda e: e.sequence)

    async def of_mail(self, mail_id: str) -> MailAudit:
        links = [redis_text(m).split(" ") for m in await self.redis.smembers(OF_MAIL.format(mail_id=mail_id))]
        chains = {chain_id: await self.chain(chain_id) for chain_id in {chain_id for chain_id, _ in links}}
        wanted = {(chain_id, int(sequence)) for chain_id, sequence in links}
        events = sorted((e for chain in chains.values() for e in chain if (e.chain_id, e.sequence) in wanted),
                        key=lambda e: e.at)
        return MailAudit(events=events, chains={chain_id: verify_chain(chain) for chain_id, chain in chains.items()})
