"""Sends bench mails into mail.inbound.v1 (signed, as a mail server) and watches every pipeline topic for them:
when each mail reached its terminal state, and how many records of which size it caused on which topic."""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from infra.kafka_acls import ADMIN
from shared.contracts.mail import InboundMail
from shared.contracts.topics import (
    AGENT_RUNS,
    AUDIT_LOG,
    CRM_ACKS,
    CRM_WRITES,
    EVAL_SCORES,
    MAIL_ACCEPTED,
    MAIL_INBOUND,
    MAIL_OUTBOUND,
    MAIL_QUARANTINE,
    REVIEW_REQUESTS,
    TOOLS,
    tool_requests,
    tool_results,
)
from shared.mail_publisher import MAIL_SOURCE, inbound_headers
from shared.mail_sources import MailSourceSettings, SourceKeyring
from shared.settings import KafkaSettings

# the order a mail travels them (a relay of the same hops follows this order)
PIPELINE_TOPICS = (MAIL_INBOUND, MAIL_ACCEPTED, MAIL_QUARANTINE,
                   *(topic for tool in TOOLS for topic in (tool_requests(tool), tool_results(tool))),
                   CRM_WRITES, CRM_ACKS, MAIL_OUTBOUND, REVIEW_REQUESTS, AGENT_RUNS, EVAL_SCORES, AUDIT_LOG)
# where a mail's processing ends: its run summary; a review request (the run waits for a person); the quarantine
TERMINAL = {AGENT_RUNS: "run_summary", REVIEW_REQUESTS: "awaiting_review", MAIL_QUARANTINE: "quarantined"}

Progress = Callable[[int, int], None]  # (ended, sent)


@dataclass
class MailTimes:
    sent_at: float | None = None  # wall clock, seconds
    ended_at: float | None = None  # the terminal record's broker timestamp
    ended_as: str | None = None

    def latency(self) -> float | None:
        if self.sent_at is None or self.ended_at is None or self.ended_as != "run_summary":
            return None
        return self.ended_at - self.sent_at


@dataclass
class FlowResult:
    mails: dict[str, MailTimes]
    first_sent: float
    last_ended: float
    records: Counter[str] = field(default_factory=Counter)  # topic -> records of these mails
    record_bytes: Counter[str] = field(default_factory=Counter)  # topic -> their value bytes

    def ended(self) -> Counter[str]:
        return Counter(times.ended_as or "no_terminal_state" for times in self.mails.values())

    def latencies(self) -> list[float]:
        return sorted(lat for times in self.mails.values() if (lat := times.latency()) is not None)


async def assign_all(consumer: AIOKafkaConsumer, topics: list[str], patience: float = 30.0) -> None:
    """Every partition of ``topics`` to this group-less consumer, once their metadata arrived."""
    consumer.subscribe(topics)
    expected = set(topics)
    deadline = time.monotonic() + patience
    while {tp.topic for tp in consumer.assignment()} != expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no partitions of {sorted(expected)} assigned within {patience:g} s")
        await asyncio.sleep(0.05)


class PipelineWatch:
    """A group-less consumer of every pipeline topic, positioned at the end before the first mail is sent."""

    def __init__(self) -> None:
        kafka = KafkaSettings.for_principal(ADMIN)
        self.consumer = AIOKafkaConsumer(**kafka.client_options(), group_id=None, enable_auto_commit=False,
                                         max_partition_fetch_bytes=kafka.max_message_bytes,
                                         fetch_max_bytes=kafka.max_message_bytes * 2)

    async def __aenter__(self) -> "PipelineWatch":
        await self.consumer.start()
        present = await self.consumer.topics()
        await assign_all(self.consumer, [topic for topic in PIPELINE_TOPICS if topic in present])
        partitions = sorted(self.consumer.assignment())
        await self.consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the positions now: records sent from here on are ours to see
            await self.consumer.position(partition)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.consumer.stop()

    async def follow(self, mails: list[InboundMail], rate: float | None, give_up_after: float,
                     progress: Progress) -> FlowResult:
        """Send ``mails`` (all at once, or ``rate`` per second) and watch until each ended, or for at most
        ``give_up_after`` seconds."""
        times = {mail.mail_id: MailTimes() for mail in mails}
        keys = {mail.mail_id.encode(): mail.mail_id for mail in mails}
        result = FlowResult(times, first_sent=time.time(), last_ended=time.time())
        sender = asyncio.create_task(_send(mails, times, rate))
        deadline = time.monotonic() + give_up_after
        last_report, ended = 0.0, 0
        while ended < len(times) and time.monotonic() < deadline:
            batches = await self.consumer.getmany(timeout_ms=200, max_records=2000)
            for partition, messages in batches.items():
                for message in messages:
                    mail_id = keys.get(message.key or b"")
                    if mail_id is None:
                        continue
                    result.records[partition.topic] += 1
                    result.record_bytes[partition.topic] += len(message.value or b"")
                    state = TERMINAL.get(partition.topic)
                    mail = times[mail_id]
                    if state and _supersedes(state, mail.ended_as):
                        ended += mail.ended_as is None
                        mail.ended_as, mail.ended_at = state, message.timestamp / 1000
                        result.last_ended = max(result.last_ended, mail.ended_at)
            if time.monotonic() - last_report > 2.0:
                last_report = time.monotonic()
                progress(ended, sum(t.sent_at is not None for t in times.values()))
            if sender.done() and (failure := sender.exception()) is not None:
                raise failure
        await sender
        progress(ended, len(times))
        result.first_sent = min(t.sent_at for t in times.values() if t.sent_at is not None)
        return result


def _supersedes(state: str, before: str | None) -> bool:
    """The first terminal record counts, except that a run summary after a review request is the mail's end."""
    return before is None or (state == "run_summary" and before != "run_summary")


async def _send(mails: list[InboundMail], times: dict[str, MailTimes], rate: float | None) -> None:
    keyring = SourceKeyring(MailSourceSettings().source_keys_dir)
    kafka = KafkaSettings.for_principal(MAIL_SOURCE)
    producer = AIOKafkaProducer(**kafka.client_options(), enable_idempotence=True, linger_ms=5,
                                max_request_size=kafka.max_message_bytes, client_id="mailspine-bench")
    await producer.start()
    try:
        started = time.monotonic()
        pending = []
        for index, mail in enumerate(mails):
            if rate:
                await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            times[mail.mail_id].sent_at = time.time()
            pending.append(await producer.send(
                MAIL_INBOUND, mail.model_dump_json().encode(), key=mail.mail_id.encode(),
                headers=inbound_headers(mail, keyring.signing_key(mail.payload.source_id))))
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
