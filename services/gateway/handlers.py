"""Thin subscriber: raw bytes in, mail.accepted.v1 or mail.quarantine.v1 out."""

import logging

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace

from services.gateway.inbound import accept, validate_inbound
from services.gateway.quarantine import quarantine_record
from services.gateway.settings import GatewaySettings
from shared.broker import durable_subscriber
from shared.contracts.mail import HEADER_SOURCE_ID
from shared.contracts.topics import MAIL_ACCEPTED, MAIL_INBOUND, MAIL_QUARANTINE
from shared.errors import QuarantineMail
from shared.tracing import attributes

logger = logging.getLogger(__name__)


def _raw_bytes(message: KafkaMessage) -> bytes:
    return message.body


def register(broker: KafkaBroker, settings: GatewaySettings) -> None:
    # the gateway decodes nothing before it has checked the size, so it takes the raw bytes
    @durable_subscriber(broker, MAIL_INBOUND, group_id=settings.consumer_group, decoder=_raw_bytes)
    async def on_inbound_mail(raw: bytes, message: KafkaMessage) -> None:
        span = trace.get_current_span()
        headers = {k: str(v) for k, v in message.headers.items()}
        span.set_attribute(attributes.SOURCE_ID, headers.get(HEADER_SOURCE_ID, ""))
        mail_id = None
        try:
            inbound = validate_inbound(raw, settings.max_mail_bytes)
            mail_id = inbound.mail_id
            span.set_attribute(attributes.MAIL_ID, mail_id)
            span.set_attribute(attributes.TENANT, inbound.tenant)
            accepted = accept(inbound)
        except QuarantineMail as refusal:
            record = message.raw_message
            quarantined = quarantine_record(
                refusal, raw=raw, headers=headers, source_topic=record.topic, partition=record.partition,
                offset=record.offset, mail_id=mail_id, copy_limit_bytes=settings.quarantine_copy_limit_bytes,
            )
            span.set_attribute(attributes.OUTCOME, "quarantined")
            span.set_attribute(attributes.QUARANTINE_REASON, refusal.reason)
            logger.warning("quarantined %s[%d]@%d: %s", record.topic, record.partition, record.offset, refusal)
            await broker.publish(quarantined.model_dump(mode="json"), MAIL_QUARANTINE, key=record.key)
            return
        span.set_attribute(attributes.OUTCOME, "accepted")
        logger.info("accepted mail %s", accepted.mail_id)
        await broker.publish(accepted.model_dump(mode="json"), MAIL_ACCEPTED, key=accepted.mail_id.encode())
