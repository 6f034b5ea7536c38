"""The CRM's Kafka side: each write on crm.writes.v1 is checked, stored and answered on crm.acks.v1 (key = mail
id). A write seen before (same idempotency key) is not applied again, and is acknowledged only if its first
acknowledgement may not have gone out (the process stopped between storing and answering)."""

from dataclasses import dataclass
from typing import Annotated, Any

from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace
from pydantic import ValidationError

from shared.broker import durable_subscriber
from shared.contracts.crm import CrmAck, CrmAckMessage
from shared.contracts.topics import CRM_ACKS, CRM_WRITES
from shared.errors import DeadLetter
from shared.tracing import attributes
from standins.crm.database import CrmDatabase, RecordedWrite
from standins.crm.rules import IncomingWrite, write_problem
from standins.crm.settings import CrmStandinSettings

DEPS = "crm_standin_database"


@dataclass(frozen=True)
class AckPublishers:
    acks: DefaultPublisher


def _ack(tenant: str, mail_id: str, recorded: RecordedWrite) -> CrmAckMessage:
    payload = CrmAck(idempotency_key=recorded.idempotency_key, action=recorded.action[:128],
                     accepted=recorded.accepted, reason=recorded.reason)
    return CrmAckMessage(tenant=tenant, mail_id=mail_id, payload=payload)


def _envelope(raw: dict[str, Any]) -> tuple[str, str, IncomingWrite]:
    try:
        return str(raw["tenant"]), str(raw["mail_id"]), IncomingWrite.model_validate(raw["payload"])
    except (KeyError, TypeError, ValidationError) as exc:
        raise DeadLetter(f"not a CRM write (no tenant, mail id, idempotency key, action or address): {exc}") from exc


def register(broker: KafkaBroker, settings: CrmStandinSettings) -> AckPublishers:
    publishers = AckPublishers(
        acks=broker.publisher(CRM_ACKS, schema=CrmAckMessage, title=f"{CRM_ACKS}:{settings.service_name}",
                              description="The CRM's answer to each write: accepted, or rejected with its reason; "
                                          "key = mail id."))

    @durable_subscriber(broker, CRM_WRITES, group_id=settings.consumer_group,
                        title=f"{CRM_WRITES}:{settings.service_name}")
    async def on_crm_write(raw: dict[str, Any], database: Annotated[CrmDatabase, Context(DEPS)]) -> None:
        """Checked by the CRM's own rules, stored, answered once."""
        tenant, mail_id, write = _envelope(raw)
        span = trace.get_current_span()
        span.set_attributes({attributes.MAIL_ID: mail_id, attributes.TENANT: tenant,
                             attributes.IDEMPOTENCY_KEY: write.idempotency_key})
        recorded = database.recorded_write(write.idempotency_key)
        if recorded is not None and recorded.acknowledged:
            span.set_attribute(attributes.OUTCOME, "duplicate")
            return
        if recorded is None:
            known = database.customer_of_address(tenant, write.customer_address) is not None
            recorded = database.record(tenant, mail_id, write, write_problem(write, known))
        span.set_attribute(attributes.OUTCOME, "accepted" if recorded.accepted else "rejected")
        if recorded.reason:
            span.set_attribute("mailspine.crm.reason", recorded.reason)
        ack = _ack(tenant, mail_id, recorded)
        await publishers.acks.publish(ack.model_dump(mode="json"), key=mail_id.encode())
        database.mark_acknowledged(write.idempotency_key)

    return publishers


def provide(broker: KafkaBroker, database: CrmDatabase) -> None:
    broker.context.set_global(DEPS, database)
