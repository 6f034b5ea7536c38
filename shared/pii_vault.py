"""Keeps the original PII values of one mail, encrypted, in Redis for a limited time, for the holders of the key.

Everything downstream of the gateway sees placeholders ("<EMAIL_1>") only. The originals are sealed here with
AES-256-GCM under the vault key; the key holders are the gateway (which seals), the CRM writer (which needs
the customer's address back), the email sender (which sends to it) and the console (which shows a review's values to
a person with the role for it, and audits each reveal); no other process has it. Redis alone
reveals nothing: each value is bound to its mail and placeholder as associated data, so a ciphertext copied to
another field or mail does not decrypt.
"""

import base64
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT, FieldT

from shared.errors import DeadLetter, RetryLater

_NONCE_BYTES = 12  # 96 bits, the size GCM is specified for
PII_VAULT_PREFIX = "pii_vault:"  # shared on purpose: its Redis ACL grants name it (infra/redis_acls.py)
# the mail's From address, sealed under this field name beside the placeholders (it has no placeholder's shape,
# so it cannot collide with one): the email sender's recipient rule needs to know who sent the mail
SENDER_ADDRESS_FIELD = "sender_address"


def with_sender_address(originals: Mapping[str, str], sender_placeholder: str) -> dict[str, str]:
    """The originals to seal, plus the sender's address under ``SENDER_ADDRESS_FIELD`` when it was redacted."""
    sender = originals.get(sender_placeholder)
    return {**originals, SENDER_ADDRESS_FIELD: sender} if sender else dict(originals)


class PiiVault:
    def __init__(self, redis: Redis, key: bytes, ttl_seconds: int) -> None:
        if len(key) != 32:
            raise ValueError(f"the PII vault key must be 32 bytes (AES-256), got {len(key)}")
        self.redis = redis
        self.aead = AESGCM(key)
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def new_key() -> bytes:
        return AESGCM.generate_key(bit_length=256)

    @staticmethod
    def _hash_name(mail_id: str) -> str:
        return f"{PII_VAULT_PREFIX}{mail_id}"

    @staticmethod
    def _associated_data(mail_id: str, placeholder: str) -> bytes:
        # a separator that can appear in neither part, so ("a", "b:c") and ("a:b", "c") stay different
        return f"{mail_id}\x00{placeholder}".encode()

    def _seal(self, mail_id: str, placeholder: str, value: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self.aead.encrypt(nonce, value.encode(), self._associated_data(mail_id, placeholder))
        # base64 text: readable whether or not the Redis client decodes responses
        return base64.b64encode(nonce + sealed).decode("ascii")

    async def store(self, mail_id: str, originals: Mapping[str, str]) -> None:
        """Seal ``{placeholder: original value}`` in one hash per mail, expiring after the TTL. Storing again
        (a redelivered mail) overwrites the fields and restarts the TTL."""
        if not originals:
            return
        fields: dict[FieldT, EncodableT] = {
            placeholder: self._seal(mail_id, placeholder, value) for placeholder, value in originals.items()}
        try:
            # one transaction: a hash without its TTL would outlive the retention promise
            async with self.redis.pipeline(transaction=True) as transaction:
                transaction.hset(self._hash_name(mail_id), mapping=fields)
                transaction.expire(self._hash_name(mail_id), self.ttl_seconds)
                await transaction.execute()
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc

    async def reveal(self, mail_id: str, placeholder: str) -> str | None:
        """The original value; None when the mail's values expired or were never stored. A value that does not
        decrypt (another vault key, or tampered data) raises DeadLetter: retrying cannot help."""
        try:
            stored = await self.redis.hget(self._hash_name(mail_id), placeholder)
        except RedisError as exc:
            raise RetryLater(f"redis unavailable: {exc}") from exc
        if stored is None:
            return None
        try:
            blob = base64.b64decode(stored, validate=True)
            nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
            value = self.aead.decrypt(nonce, sealed, self._associated_data(mail_id, placeholder))
        except (InvalidTag, ValueError):  # binascii.Error and a too-short nonce are ValueErrors
            raise DeadLetter(f"the vault value {placeholder} of mail {mail_id} does not decrypt with this key "
                             "(a different vault key, or tampered data)") from None
        return value.decode()
