"""The PII vault against the real Redis: sealed values, bound to mail and placeholder, with a TTL."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.errors import DeadLetter, RetryLater
from shared.pii_placeholders import PII_PLACEHOLDER
from shared.pii_vault import PiiVault
from shared.redis_text import redis_text
from shared.settings import RedisSettings

pytestmark = pytest.mark.usefixtures("infrastructure")

ORIGINALS = {
    "<EMAIL_1>": "dana.whitfield@northwind.example",
    "<PERSON_1>": "Dana Whitfield",
    "<IBAN_1>": "DE89 3704 0044 0532 0130 00",
}


def run(scenario: Callable[[Redis], Awaitable[Any]]) -> Any:
    async def with_client() -> Any:
        client = RedisSettings.for_user("gateway").client()  # the vault's writer
        try:
            return await scenario(client)
        finally:
            await client.aclose()

    return asyncio.run(with_client())


def test_the_key_holder_gets_every_value_back_and_redis_holds_no_plaintext_under_a_ttl() -> None:
    mail_id = f"m-{uuid.uuid4().hex}"

    async def scenario(redis: Redis) -> None:
        vault = PiiVault(redis, PiiVault.new_key(), ttl_seconds=3600)
        await vault.store(mail_id, ORIGINALS)
        for placeholder, value in ORIGINALS.items():
            assert await vault.reveal(mail_id, placeholder) == value
        stored = await redis.hgetall(f"pii_vault:{mail_id}")
        assert {redis_text(k) for k in stored} == set(ORIGINALS)
        for value in ORIGINALS.values():
            assert all(value.encode() not in sealed and b"Whitfield" not in sealed for sealed in stored.values())
        assert 3500 < await redis.ttl(f"pii_vault:{mail_id}") <= 3600

    run(scenario)


def test_another_key_or_a_moved_value_does_not_decrypt() -> None:
    mail_id, other_mail = f"m-{uuid.uuid4().hex}", f"m-{uuid.uuid4().hex}"

    async def scenario(redis: Redis) -> None:
        key = PiiVault.new_key()
        await PiiVault(redis, key, ttl_seconds=60).store(mail_id, ORIGINALS)
        with pytest.raises(DeadLetter, match="does not decrypt"):
            await PiiVault(redis, PiiVault.new_key(), ttl_seconds=60).reveal(mail_id, "<EMAIL_1>")
        sealed_email = await redis.hget(f"pii_vault:{mail_id}", "<EMAIL_1>")
        await redis.hset(f"pii_vault:{other_mail}", "<EMAIL_1>", sealed_email)
        await redis.hset(f"pii_vault:{mail_id}", "<PERSON_1>", sealed_email)
        vault = PiiVault(redis, key, ttl_seconds=60)
        for target, placeholder in [(other_mail, "<EMAIL_1>"), (mail_id, "<PERSON_1>")]:
            with pytest.raises(DeadLetter):
                await vault.reveal(target, placeholder)
        await redis.delete(f"pii_vault:{other_mail}")

    run(scenario)


def test_absent_values_are_none_and_an_unreachable_redis_means_retry_later() -> None:
    async def scenario(redis: Redis) -> None:
        vault = PiiVault(redis, PiiVault.new_key(), ttl_seconds=60)
        assert await vault.reveal(f"m-{uuid.uuid4().hex}", "<EMAIL_1>") is None
        unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
        with pytest.raises(RetryLater):
            await PiiVault(unreachable, PiiVault.new_key(), ttl_seconds=60).store("m-x", ORIGINALS)
        await unreachable.aclose()

    run(scenario)


def test_placeholders_are_recognised_and_keys_must_be_aes_256() -> None:
    assert PII_PLACEHOLDER.fullmatch("<EMAIL_12>") and not PII_PLACEHOLDER.fullmatch("dana@northwind.example")
    with pytest.raises(ValueError, match="32 bytes"):
        PiiVault(None, b"short", ttl_seconds=60)  # type: ignore[arg-type]  # the key is checked first; no Redis needed
