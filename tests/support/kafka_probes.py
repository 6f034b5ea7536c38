"""Kafka rows of the least-privilege matrix, derived from infra/kafka_acls.py ACCESS: every principal against every
topic (read and write) and every consumer group.

A probe asks the broker about a partition that does not exist. The broker checks the principal's ACL before it
looks for the partition, so "unknown partition" means the ACL allowed it and "topic authorization failed" means
it was denied, and no record is written into, or read from, a live topic.
"""

from functools import partial

from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.coordination import FindCoordinatorRequest
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from infra.kafka_acls import ACCESS
from shared.contracts.topics import all_topics
from shared.settings import KafkaSettings
from tests.support.access_matrix import Probe

PROBE_PARTITION = 999_999  # no topic has this many partitions
_NONE, _UNKNOWN_PARTITION, _COORDINATOR_NOT_AVAILABLE = 0, 3, 15
_TOPIC_DENIED, _GROUP_DENIED = 29, 30


class KafkaProbes:
    """One authenticated connection per principal, shared by that principal's probes."""

    def __init__(self) -> None:
        self.clients: dict[str, AIOKafkaClient] = {}

    async def connect(self, principal: str) -> AIOKafkaClient:
        client = AIOKafkaClient(**KafkaSettings.for_principal(principal).client_options(), request_timeout_ms=15000)
        await client.bootstrap()
        self.clients[principal] = client
        return client

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()

    async def _send(self, principal: str, request: object) -> object:
        client = self.clients[principal]
        node_id = next(iter(client.cluster.brokers())).nodeId
        return await client.send(node_id, request)

    async def may_read(self, principal: str, topic: str) -> bool:
        request = FetchRequest(max_wait_time=0, min_bytes=0, max_bytes=1024, isolation_level=0,
                               topics=[(topic, [(PROBE_PARTITION, 0, 1024)])])
        return _topic_decision(partition_error(await self._send(principal, request)), principal, topic)

    async def may_write(self, principal: str, topic: str) -> bool:
        batch = DefaultRecordBatchBuilder(2, 0, is_transactional=0, producer_id=-1, producer_epoch=-1,
                                          base_sequence=0, batch_size=1024)
        batch.append(0, timestamp=None, key=b"least-privilege-probe", value=b"{}", headers=[])
        request = ProduceRequest(transactional_id=None, required_acks=1, timeout=10000,
                                 topics=[(topic, [(PROBE_PARTITION, bytes(batch.build()))])])
        return _topic_decision(partition_error(await self._send(principal, request)), principal, topic)

    async def may_join(self, principal: str, group: str) -> bool:
        response = await self._send(principal, FindCoordinatorRequest(group, 0))
        code = response.error_code  # type: ignore[attr-defined]
        if code == _GROUP_DENIED:
            return False
        if code in (_NONE, _COORDINATOR_NOT_AVAILABLE):  # the offsets topic may still be on its way: allowed
            return True
        raise AssertionError(f"{principal} on group {group}: unexpected error code {code}")


def partition_error(response: object) -> int:
    """The error code of the one partition a probe asked about (Fetch and Produce responses of any version)."""
    (_, partitions), = response.topics  # type: ignore[attr-defined]
    (partition,) = partitions
    return int(partition[1])  # (partition, error_code, ...)


def _topic_decision(code: int, principal: str, topic: str) -> bool:
    if code == _TOPIC_DENIED:
        return False
    if code == _UNKNOWN_PARTITION:
        return True
    raise AssertionError(f"{principal} on {topic}: unexpected error code {code}")


def kafka_probes(kafka: KafkaProbes) -> list[Probe]:
    """Every principal of ACCESS against every topic (read, write) and every consumer group ACCESS names."""
    named = {topic for access in ACCESS for topic in (*access.reads, *access.writes)}
    topics = sorted({spec.name for spec in all_topics()} | named)
    groups = sorted({group for access in ACCESS for group in access.groups})
    probes = []
    for access in ACCESS:
        p = access.principal
        for topic in topics:
            probes.append(Probe("kafka", p, topic, "read", topic in access.reads,
                                partial(kafka.may_read, p, topic)))
            probes.append(Probe("kafka", p, topic, "write", topic in access.writes,
                                partial(kafka.may_write, p, topic)))
        for group in groups:
            probes.append(Probe("kafka", p, f"group {group}", "join", group in access.groups,
                                partial(kafka.may_join, p, group)))
    return probes
