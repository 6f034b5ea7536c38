"""Least privilege, proven on the real servers: every Kafka principal against every topic and consumer group, every
Redis user against every key prefix and the server's dangerous commands, and no way in without credentials.

The Kafka and Redis rows are derived from the grant tables (infra/kafka_acls.py, infra/redis_acls.py), so a new
principal or user is covered as soon as it is granted anything. Rows for other systems (Weaviate, the CRM API, the
SMTP relay) go in CREDENTIAL_PROBES, one line each. Each row states whether it must be allowed or denied; the server
is asked, and every disagreement is reported.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, ResponseError

from infra.kafka_acls import ACCESS
from infra.redis_acls import REDIS_ACCESS
from shared.settings import KafkaSettings, RedisSettings
from tests.support.access_matrix import Probe, mismatches
from tests.support.kafka_probes import KafkaProbes, kafka_probes
from tests.support.redis_probes import RedisProbes, redis_probes

pytestmark = pytest.mark.usefixtures("infrastructure")


async def redis_cli_ping_without_credentials() -> bool:
    """The acceptance's own words: `redis-cli ping`, no user, no password."""
    settings = RedisSettings()
    cli = await asyncio.create_subprocess_exec("redis-cli", "-h", settings.host, "-p", str(settings.port), "ping",
                                               stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = (await cli.communicate())[0].decode()
    if "NOAUTH" in output:
        return False
    if "PONG" in output:
        return True
    raise AssertionError(f"redis-cli ping answered {output!r}")


async def redis_read_with(username: str | None, password: str | None) -> bool:
    settings = RedisSettings()
    client = Redis(host=settings.host, port=settings.port, username=username, password=password)
    try:
        await client.get("gateway:seen:least-privilege-probe")
        return True
    except AuthenticationError:
        return False
    except ResponseError as exc:
        if "NOAUTH" in str(exc):
            return False
        raise
    finally:
        await client.aclose()


async def kafka_connect_with(options: dict[str, Any]) -> bool:
    client = AIOKafkaClient(**options, request_timeout_ms=5000)
    try:
        await client.bootstrap()
        return True
    except KafkaError:
        return False
    finally:
        await client.close()


CREDENTIAL_PROBES = (
    Probe("redis", "no credentials", "PING", "redis-cli", False, redis_cli_ping_without_credentials),
    Probe("redis", "no credentials", "gateway:*", "read", False, lambda: redis_read_with(None, None)),
    Probe("redis", "the default user", "gateway:*", "read", False, lambda: redis_read_with("default", "")),
    Probe("redis", "gateway, wrong password", "gateway:*", "read", False,
          lambda: redis_read_with("gateway", "not-the-password")),
    Probe("kafka", "no credentials", "the broker", "connect", False,
          lambda: kafka_connect_with({"bootstrap_servers": KafkaSettings().bootstrap_servers})),
    Probe("kafka", "gateway, wrong password", "the broker", "connect", False,
          lambda: kafka_connect_with(KafkaSettings.for_principal("gateway").client_options()
                                     | {"sasl_plain_password": "not-the-password"})),
)


@pytest.fixture(scope="module")
async def kafka() -> AsyncIterator[KafkaProbes]:
    probes = KafkaProbes()
    try:
        await asyncio.gather(*(probes.connect(access.principal) for access in ACCESS))
        yield probes
    finally:
        await probes.close()


@pytest.fixture(scope="module")
async def redis() -> AsyncIterator[RedisProbes]:
    probes = RedisProbes()
    yield probes
    await probes.close()


def _report(found: list[str], probes: list[Probe]) -> str:
    return f"{len(found)} of {len(probes)} rows disagree:\n" + "\n".join(found)


async def test_each_kafka_principal_reads_and_writes_its_own_topics_and_groups_only(kafka: KafkaProbes) -> None:
    probes = kafka_probes(kafka)
    assert sum(not probe.allowed for probe in probes) > len(probes) / 2  # mostly denials: each is asked
    found = await mismatches(probes)
    assert not found, _report(found, probes)


async def test_each_redis_user_reaches_its_own_keys_and_granted_prefixes_only(redis: RedisProbes) -> None:
    probes = redis_probes(redis)
    assert {probe.credential for probe in probes} == {access.user for access in REDIS_ACCESS}
    found = await mismatches(probes)
    assert not found, _report(found, probes)


async def test_nothing_gets_in_without_its_credentials() -> None:
    found = await mismatches(CREDENTIAL_PROBES)
    assert not found, _report(found, list(CREDENTIAL_PROBES))
