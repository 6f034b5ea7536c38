"""Thin subscriber: raw bytes in; mail.accepted.v1 or mail.quarantine.v1 out, with a span and an audit event.

``register`` declares what the gateway consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handler its dependencies through the broker's context."""

import asyncio
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated, Any

from aiokafka import ConsumerRecord
from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.publisher import DefaultPublisher
from faststream.opentelemetry import CurrentBaggage
from opentelemetry import trace

from services.gateway.pipeline import Evidence, GatewayDeps, admit
from services.gateway.quarantine import quarantine_record
from services.gateway.replay import DuplicateDelivery
from services.gateway.settings import GatewaySettings
from shared.audit import AuditChain
from shared.broker import durable_subscriber
from shared.contracts.audit import AuditEvent
from shared.contracts.mail import AcceptedMail, QuarantineRecord
from shared.contracts.topics import AUDIT_LOG, MAIL_ACCEPTED, MAIL_INBOUND, MAIL_QUARANTINE
from shared.errors import QuarantineMail
from shared.eval_sampling import BAGGAGE_KEY
from shared.tracing import attributes

logger = logging.getLogger(__name__)

DEPS = "gateway_deps"


@dataclass(frozen=True)
class GatewayPublishers:
    accepted: DefaultPublisher
    quarantine: DefaultPublisher
    audit: DefaultPublisher


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


def provide(broker: KafkaBroker, deps: GatewayDeps) -> None:
    broker.context.set_global(DEPS, deps)


def register(broker: KafkaBroker, settings: GatewaySettings) -> GatewayPublishers:
    service = settings.service_name
    audit = AuditChain(service)
    publishers = GatewayPublishers(
        accepted=broker.publisher(MAIL_ACCEPTED, schema=AcceptedMail, title=f"{MAIL_ACCEPTED}:{service}",
                                  description="Parsed, redacted, spotlighted mail; key = mail id."),
        quarantine=broker.publisher(MAIL_QUARANTINE, schema=QuarantineRecord, title=f"{MAIL_QUARANTINE}:{service}",
                                    description="Every input the gateway refused, with a machine-readable reason; "
                                                "key = the inbound record's key."),
        audit=broker.publisher(AUDIT_LOG, schema=AuditEvent, title=f"{AUDIT_LOG}:{service}",
                               description="The gateway's verdict on each record; key = the chain id."),
    )

    # the gateway decodes nothing before it has checked the size, so it takes the raw bytes
    @durable_subscriber(broker, MAIL_INBOUND, group_id=settings.consumer_group, decoder=_raw_bytes)
    async def on_inbound_mail(raw: bytes, message: KafkaMessage, baggage: CurrentBaggage,
                              deps: Annotated[GatewayDeps, Context(DEPS)]) -> None:
        """Raw bytes of an InboundMail (JSON), signed by its mail server in the Kafka headers. The gateway checks
        size, encoding and signature before it decodes, so every refusal is quarantined with its reason."""
        span = trace.get_current_span()
        headers = {k: str(v) for k, v in message.headers.items()}
        record: ConsumerRecord = message.raw_message  # one record: this is not a batch subscriber
        position = f"{record.topic}:{record.partition}:{record.offset}"
        evidence = Evidence()
        try:
            accepted = await admit(raw, headers, position, deps, evidence)
        except DuplicateDelivery as duplicate:
            # a mail server's retry after it lost our acknowledgement: the mail is already in the pipeline
            _record_evidence(span, evidence)
            span.set_attribute(attributes.OUTCOME, "duplicate")
            logger.info("duplicate delivery %s of mail %s, first admitted from %s", position, evidence.mail_id,
                        duplicate.first_position)
            event = audit.record("gateway.duplicate", mail_id=evidence.mail_id, tenant=evidence.tenant,
                                 detail={"position": position, "first_position": duplicate.first_position})
            await _publish_audit(audit, event, broker.publish(event.model_dump(mode="json"), AUDIT_LOG,
                                                              key=audit.chain_id.encode()))
            return
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
            await _publish_audit(audit, event,
                                 publishers.audit.publish(event.model_dump(mode="json"), key=audit.chain_id.encode()),
                                 publishers.quarantine.publish(quarantined.model_dump(mode="json"), key=record.key))
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
        await _publish_audit(audit, event,
                             publishers.audit.publish(event.model_dump(mode="json"), key=audit.chain_id.encode()),
                             publishers.accepted.publish(accepted.model_dump(mode="json"),
                                                         key=accepted.mail_id.encode()))

    return publishers


async def _publish_audit(audit: AuditChain, event: AuditEvent, publishing: Awaitable[Any],
                         *alongside: Awaitable[Any]) -> None:
    """Publish an audit link with the records it goes with (all in flight at once, which halves the wait for the
    broker's acknowledgements). A link the broker did not take is retracted, so the redelivered mail's link takes its
    sequence and the chain stays unbroken; any failure is raised for the redelivery."""
    outcomes = await asyncio.gather(publishing, *alongside, return_exceptions=True)
    if isinstance(outcomes[0], BaseException):
        audit.retract(event)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
