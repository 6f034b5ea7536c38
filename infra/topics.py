"""Creates every topic the architecture names, with its partitions and retention. Idempotent."""

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from infra.kafka_acls import ADMIN
from shared.contracts.topics import all_topics
from shared.settings import KafkaSettings


async def ensure_topics(kafka: KafkaSettings | None = None) -> tuple[list[str], int]:
    """Create missing topics and restate the configs of present ones (so a changed retention or size
    limit reaches an existing install). Returns (created topic names, number already present)."""
    kafka = kafka or KafkaSettings.for_principal(ADMIN)
    admin = AIOKafkaAdminClient(**kafka.client_options(), request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [spec for spec in all_topics() if spec.name not in existing]
        if missing:
            await admin.create_topics([
                NewTopic(
                    spec.name,
                    num_partitions=kafka.default_partitions,
                    replication_factor=1,
                    topic_configs=spec.configs(kafka.max_message_bytes),
                )
                for spec in missing
            ])
        present = [spec for spec in all_topics() if spec.name in existing]
        if present:
            await admin.alter_configs([
                ConfigResource(ConfigResourceType.TOPIC, spec.name, configs=spec.configs(kafka.max_message_bytes))
                for spec in present
            ])
        return [spec.name for spec in missing], len(existing & {spec.name for spec in all_topics()})
    finally:
        await admin.close()


if __name__ == "__main__":
    created, present = asyncio.run(ensure_topics())
    print(f"{len(created)} topics created, {present} already present")
