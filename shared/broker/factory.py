"""Builds a service's KafkaBroker: trace context in headers, dead letters, idempotent producer."""

import logging
from collections.abc import Callable
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.security import SASLPlaintext

from shared.broker.coalesced_commits import CoalescedCommits
from shared.broker.dead_letters import DeadLetterRouting
from shared.broker.jaeger_bridge import JaegerHeaderBridge
from shared.settings import KafkaSettings
from shared.tracing import setup_tracing


def build_broker(service_name: str, kafka: KafkaSettings | None = None,
                 commits: CoalescedCommits | None = None) -> KafkaBroker:
    """``commits``: offsets committed in the background (its subscribers use AckPolicy.MANUAL), see
    ``shared.broker.coalesced_commits``."""
    kafka = kafka or KafkaSettings.for_principal(service_name)
    provider = setup_tracing(service_name)
    dead_letters = DeadLetterRouting(consumer_group=service_name)
    broker = KafkaBroker(
        kafka.bootstrap_servers,
        security=SASLPlaintext(
            username=kafka.username,
            password=kafka.client_options()["sasl_plain_password"],
            use_ssl=kafka.security_protocol == "SASL_SSL",
        ),
        client_id=service_name,
        acks="all",
        enable_idempotence=True,
        allow_auto_create_topics=False,
        max_request_size=kafka.max_message_bytes,
        # our logger, so FastStream's lines carry the trace id and the service name like every other line
        logger=logging.getLogger(f"mailspine.broker.{service_name}"),
        # FastStream's per-message "Received"/"Processed" lines are written outside the message's span, so they
        # carry no trace id; at DEBUG they stay out of the INFO log, where every per-message line is traced
        log_level=logging.DEBUG,
        # outermost first: restate Jaeger headers, open the span, then dead-letter inside the span
        # the commits sit outside the dead-letter routing, so a dead-lettered message counts as handled
        middlewares=[JaegerHeaderBridge, KafkaTelemetryMiddleware(tracer_provider=provider),
                     *([commits] if commits is not None else []), dead_letters],
    )
    dead_letters.bind(broker)
    return broker


def durable_subscriber(
    broker: KafkaBroker,
    topic: str,
    *more_topics: str,
    group_id: str,
    kafka: KafkaSettings | None = None,
    ack_policy: AckPolicy = AckPolicy.NACK_ON_ERROR,
    **options: Any,
) -> Callable[[Any], Any]:
    """At-least-once: commit only after the handler finished; on a transient error, redeliver.

    A handler that hands its message to a task and returns passes ``AckPolicy.MANUAL`` and commits through an
    ``OffsetLedger`` when the task is done (an ack would commit past messages still being worked on)."""
    kafka = kafka or KafkaSettings()
    subscriber: Callable[[Any], Any] = broker.subscriber(
        topic,
        *more_topics,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=ack_policy,
        max_partition_fetch_bytes=kafka.max_message_bytes,
        **options,
    )
    return subscriber
