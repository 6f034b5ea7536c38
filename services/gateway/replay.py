"""Replay protection: a Message-ID from one source is admitted once within the seen-set's lifetime.

Two second sightings are not replays. A Kafka redelivery of the same record (same partition and offset) is
processed again, since its first attempt may not have finished. The same message in a new record (a mail
server retrying after it lost our acknowledgement, or the same mail for a second mailbox) is a duplicate
delivery: the mail is already in the pipeline, so it is recorded and not processed twice. Only a different
message under a Message-ID already seen is refused as a replay. The seen-set stores the first record's position
and the sha256 of its raw message, so the three can be told apart.
"""

import hashlib

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.contracts.mail import QuarantineReason
from shared.errors import MailspineError, QuarantineMail, RetryLater
from shared.redis_text import redis_text


class DuplicateDelivery(MailspineError):
    """This mail was admitted from an earlier record: acknowledge and audit this one, publish nothing."""

    def __init__(self, first_position: str) -> None:
        super().__init__(f"already admitted from {first_position}")
        self.first_position = first_position


class ReplayGuard:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def _key(source_id: str, message_id: str) -> str:
        return f"gateway:seen:{source_id}:{hashlib.sha256(message_id.encode()).hexdigest()}"

    async def admit(self, source_id: str, message_id: str, position: str, raw_mail: bytes) -> None:
        """Record the first sighting; raise DuplicateDelivery or QuarantineMail (replay) for a later record."""
        key = self._key(source_id, message_id)
        digest = hashlib.sha256(raw_mail).hexdigest()
        try:
            if await self.redis.set(key, f"{position} {digest}", nx=True, ex=self.ttl_seconds):
                return
            first = await self.redis.get(key)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable for the replay check: {exc}") from exc
        if first is None:
            raise RetryLater("the seen-set entry expired between two reads; try again")
        first_position, _, first_digest = redis_text(first).partition(" ")
        if first_position == position:
            return  # the same record again: an at-least-once redelivery
        if first_digest == digest:
            raise DuplicateDelivery(first_position)
        raise QuarantineMail(QuarantineReason.REPLAY,
                             f"Message-ID {message_id!r} already delivered at {first_position} with other content")
