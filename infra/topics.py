"""Creates every topic the architecture names, with its partitions and retention. Idempotent."""

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from shared.contracts.topics import all_topics
from shared.settings import KafkaSettings


async def ensure_topics(kafka: KafkaSettings | None = None) -> tuple[list[str], int]:
    """Returns (created topic names, number already present)."""
    kafka = kafka or KafkaSettings()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers, request_timeout_ms=15000)
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
        return [spec.name for spec in missing], len(existing & {spec.name for spec in all_topics()})
    finally:
        await admin.close()


if __name__ == "__main__":
    created, present = asyncio.run(ensure_topics())
    print(f"{len(created)} topics created, {present} already present")
