"""Thin subscriber: raw bytes in; mail.accepted.v1 or mail.quarantine.v1 out, with a span and an audit event."""

import asyncio
import logging

from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.opentelemetry import CurrentBaggage
from opentelemetry import trace

from services.gateway.pipeline import Evidence, GatewayDeps, admit
from services.gateway.quarantine import quarantine_record
from shared.audit import AuditChain
from shared.broker import durable_subscriber
from shared.contracts.topics import AUDIT_LOG, MAIL_ACCEPTED, MAIL_INBOUND, MAIL_QUARANTINE
from shared.errors import QuarantineMail
from shared.eval_sampling import BAGGAGE_KEY
from shared.tracing import attributes

logger = logging.getLogger(__name__)


def _raw_bytes(message: KafkaMessage) -> bytes:
    return message.body


def _record_evidence(span: trace.Span, evidence: Evidence) -> None:
    span.set_attribute(attributes.MAIL_ID, evidence.mail_id or "")
    span.set_attribute(attributes.TENANT, evidence.tenant or "")
    span.set_attribute(attributes.SOURCE_ID, evidence.source_id or "")
    for name, value in evidence.attributes.items():
        span.set_attribute(name, value)
    for stage, ms in evidence.stage_ms.items():
        span.set_attribute(f"mailspine.gateway.stage_ms.{stage}", ms)


def register(broker: KafkaBroker, deps: GatewayDeps) -> None:
    audit = AuditChain(deps.settings.service_name)

    # the gateway decodes nothing before it has checked the size, so it takes the raw bytes
    @durable_subscriber(broker, MAIL_INBOUND, group_id=deps.settings.consumer_group, decoder=_raw_bytes)
    async def on_inbound_mail(raw: bytes, message: KafkaMessage, baggage: CurrentBaggage) -> None:
        span = trace.get_current_span()
        headers = {k: str(v) for k, v in message.headers.items()}
        record: ConsumerRecord = message.raw_message  # one record: this is not a batch subscriber
        position = f"{record.topic}:{record.partition}:{record.offset}"
        evidence = Evidence()
        try:
            accepted = await admit(raw, headers, position, deps, evidence)
        except QuarantineMail as refusal:
            quarantined = quarantine_record(
                refusal, raw=raw, headers=headers, source_topic=record.topic, partition=record.partition,
                offset=record.offset, mail_id=evidence.mail_id,
                copy_limit_bytes=deps.settings.quarantine_copy_limit_bytes,
            )
            _record_evidence(span, evidence)
            span.set_attribute(attributes.OUTCOME, "quarantined")
            span.set_attribute(attributes.QUARANTINE_REASON, refusal.reason)
            logger.warning("quarantined %s: %s", position, refusal.reason)
            event = audit.record("gateway.quarantine", mail_id=evidence.mail_id, tenant=evidence.tenant,
                                 detail={"reason": refusal.reason, "position": position, **evidence.attributes})
            # independent records: both in flight at once halves the wait for the broker's acknowledgements
            await asyncio.gather(
                broker.publish(quarantined.model_dump(mode="json"), MAIL_QUARANTINE, key=record.key),
                broker.publish(event.model_dump(mode="json"), AUDIT_LOG, key=audit.chain_id.encode()),
            )
            return
        _record_evidence(span, evidence)
        # decided once, here; the baggage rides on everything published from now on, through every service
        sampling = deps.sampling.decide(accepted.mail_id, accepted.tenant)
        baggage.set(BAGGAGE_KEY, sampling.to_baggage())
        span.set_attribute(attributes.EVAL_SAMPLED, sampling.to_baggage())
        verdict = "accepted_for_review" if accepted.payload.requires_human_review else "accepted"
        span.set_attribute(attributes.OUTCOME, verdict)
        logger.info("%s mail %s", verdict, accepted.mail_id)
        event = audit.record(f"gateway.{verdict}", mail_id=accepted.mail_id, tenant=accepted.tenant,
                             detail={"position": position, **evidence.attributes})
        await asyncio.gather(
            broker.publish(accepted.model_dump(mode="json"), MAIL_ACCEPTED, key=accepted.mail_id.encode()),
            broker.publish(event.model_dump(mode="json"), AUDIT_LOG, key=audit.chain_id.encode()),
        )
