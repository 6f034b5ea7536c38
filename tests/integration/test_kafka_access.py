"""Kafka denies by default: every client authenticates, and each principal reaches only its own topics."""

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

from shared.contracts.topics import CRM_WRITES, MAIL_ACCEPTED, MAIL_INBOUND, MAIL_QUARANTINE
from shared.settings import KafkaSettings

pytestmark = pytest.mark.usefixtures("infrastructure")


async def _produce(kafka: KafkaSettings, topic: str) -> None:
    producer = AIOKafkaProducer(**kafka.client_options(), request_timeout_ms=5000)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}")
    finally:
        await producer.stop()


async def _fetch_one(kafka: KafkaSettings, topic: str) -> None:
    consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0)])
        await consumer.getmany(timeout_ms=3000)
        # aiokafka reports a fetch authorization failure on the next call
        await consumer.getmany(timeout_ms=3000)
    finally:
        await consumer.stop()


def test_a_client_without_credentials_is_refused() -> None:
    async def connect_anonymously() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=KafkaSettings().bootstrap_servers, request_timeout_ms=3000)
        try:
            await producer.start()
        finally:
            await producer.stop()

    with pytest.raises(KafkaError):
        asyncio.run(connect_anonymously())


def test_a_wrong_password_is_refused() -> None:
    impostor = KafkaSettings(username="runtime", password="not-the-password")
    with pytest.raises(KafkaError):
        asyncio.run(_produce(impostor, MAIL_ACCEPTED))


def test_a_service_writes_its_own_topics_and_no_others() -> None:
    asyncio.run(_produce(KafkaSettings.for_principal("gateway"), MAIL_QUARANTINE))  # its own output: allowed
    with pytest.raises(TopicAuthorizationFailedError):
        asyncio.run(_produce(KafkaSettings.for_principal("runtime"), CRM_WRITES))  # only the CRM writer may


def test_a_mail_source_may_send_mail_but_not_read_it() -> None:
    with pytest.raises(TopicAuthorizationFailedError):
        asyncio.run(_fetch_one(KafkaSettings.for_principal("mail-source"), MAIL_INBOUND))


def test_the_lmtp_ingest_may_write_inbound_mail_and_nothing_else() -> None:
    ingest = KafkaSettings.for_principal("mail-ingest")
    with pytest.raises(TopicAuthorizationFailedError):
        asyncio.run(_produce(ingest, MAIL_ACCEPTED))  # past the gateway: never
    with pytest.raises(TopicAuthorizationFailedError):
        asyncio.run(_fetch_one(ingest, MAIL_INBOUND))
