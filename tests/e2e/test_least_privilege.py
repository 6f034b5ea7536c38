"""Least privilege, proven on the real servers: every Kafka principal against every topic and consumer group, every
Redis user against every key prefix and the server's dangerous commands, every service's own Weaviate key, CRM token
and relay password (most hold none: the runtime holds none of them) against what each system guards, and no way in
without credentials.

Every row is derived from a grant table (infra/kafka_acls.py, infra/redis_acls.py, infra/weaviate_access.py,
standins/crm/access.py, shared/smtp_relay.py), so a new principal or user is covered as soon as it is granted
anything. Rows for credentials that are nobody's go in CREDENTIAL_PROBES (or the system's probe module), one line
each. Each row states whether it must be allowed or denied; the server is asked, and every disagreement is reported.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import yaml
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import KafkaError
from redis.asyncio import Redis
from redis.exceptions import AuthenticationError, ResponseError

from infra.kafka_acls import ACCESS
from infra.redis_acls import REDIS_ACCESS
from shared.bearer_tokens import write_tokens
from shared.settings import KafkaSettings, RedisSettings
from shared.smtp_relay import SMTP_RELAY_USERS
from standins.crm.settings import CrmStandinSettings
from tests.support.access_matrix import Probe, mismatches
from tests.support.crm_probes import crm_probes
from tests.support.kafka_probes import KafkaProbes, kafka_probes
from tests.support.redis_probes import RedisProbes, redis_probes
from tests.support.smtp_probes import smtp_probes
from tests.support.weaviate_probes import WeaviateProbes, weaviate_probes

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


@pytest.fixture(scope="module")
async def weaviate() -> AsyncIterator[WeaviateProbes]:
    probes = WeaviateProbes()
    try:
        await probes.prepare()
        yield probes
    finally:
        await probes.close()


@pytest.fixture
def scopeless_crm_token() -> Iterator[str]:
    """A token the CRM knows, for a principal with another scope than crm:read (the file is reread on change)."""
    tokens_file = CrmStandinSettings().tokens_file
    original = tokens_file.read_text()
    token = f"mscrm_probe_{uuid.uuid4().hex}"
    entries = yaml.safe_load(original)["tokens"]
    write_tokens(tokens_file, {**entries, token: {"principal": "crm-auditor", "roles": ["crm:audit"]}}, "")
    yield token
    tokens_file.write_text(original)


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


async def test_each_weaviate_key_reads_or_writes_the_mail_history_as_its_role_allows_only(
        weaviate: WeaviateProbes) -> None:
    probes = weaviate_probes(weaviate)
    assert {"tool-retriever", "history-indexer", "runtime"} <= {probe.credential for probe in probes}
    found = await mismatches(probes)
    assert not found, _report(found, probes)


@pytest.mark.usefixtures("running_services")
async def test_only_the_crm_readers_tokens_read_the_crm_and_none_writes_through_its_api(
        scopeless_crm_token: str) -> None:
    probes = crm_probes(scopeless_crm_token)
    assert {"tool-history", "tool-email-sender", "runtime"} <= {probe.credential for probe in probes}
    found = await mismatches(probes)
    assert not found, _report(found, probes)


@pytest.mark.usefixtures("running_services")
async def test_only_the_email_senders_credential_submits_through_the_relay() -> None:
    probes = smtp_probes()
    assert [probe.credential for probe in probes if probe.allowed] == list(SMTP_RELAY_USERS)
    found = await mismatches(probes)
    assert not found, _report(found, probes)
