"""One message for one mailbox: checked, signed as its source, published to mail.inbound.v1, acknowledged.

The same steps serve the LMTP server and `mailspine deliver`; each tells its caller what happened in a status
that the caller turns into an LMTP reply or an exit code.
"""

import asyncio
import email
import email.policy
import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from aiokafka.errors import KafkaError
from opentelemetry import trace
from pydantic import ValidationError

from shared.contracts.mail import InboundMail
from shared.errors import UserError
from shared.mail_publisher import inbound_for_mailbox, inbound_headers
from shared.mail_sources import DeliveryPolicy, SourceKeyring
from shared.tracing import attributes

tracer = trace.get_tracer(__name__)

DELIVERY_VIA = "mailspine.delivery.via"
MESSAGE_BYTES = "mailspine.delivery.message_bytes"


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"  # Kafka acknowledged the record
    UNKNOWN_MAILBOX = "unknown_mailbox"  # not a mailbox the source may deliver for
    TOO_LARGE = "too_large"
    NOT_A_MESSAGE = "not_a_message"  # cannot become a valid record (e.g. a Message-ID longer than RFC 5322 allows)
    KAFKA_UNAVAILABLE = "kafka_unavailable"  # no acknowledgement in time: try again later
    MISCONFIGURED = "misconfigured"  # the operator must act (a missing key or password); keep the mail meanwhile


TEMPORARY = frozenset({DeliveryStatus.KAFKA_UNAVAILABLE, DeliveryStatus.MISCONFIGURED})


@dataclass(frozen=True)
class DeliveryResult:
    status: DeliveryStatus
    detail: str
    mail_id: str | None = None


class InboundPublisher(Protocol):
    """Publishes one signed record to mail.inbound.v1 and returns once Kafka acknowledged it."""

    async def publish(self, mail: InboundMail, headers: dict[str, str]) -> None: ...


def with_message_id(raw: bytes, hostname: str) -> tuple[bytes, str]:
    """The message and its Message-ID. A message without one gets one derived from its bytes, so a retry of the
    same message gets the same id and the gateway sees a duplicate, not a new mail."""
    message_id = str(email.message_from_bytes(raw, policy=email.policy.default).get("Message-ID", "")).strip()
    if message_id:
        return raw, message_id
    message_id = f"<{hashlib.sha256(raw).hexdigest()[:32]}@{hostname}>"
    return f"Message-ID: {message_id}\r\n".encode() + raw, message_id


class MailIngest:
    def __init__(self, *, source_id: str, policy: DeliveryPolicy, keyring: SourceKeyring,
                 publisher: InboundPublisher, hostname: str, max_message_bytes: int, publish_timeout: float,
                 via: str) -> None:
        if source_id not in policy.sources:
            raise UserError(f"mail source {source_id!r} is not in the gateway policy; add it to "
                            "config/gateway-policy.yaml, or set MAILSPINE_MAIL_INGEST_SOURCE_ID to one that is")
        self.source_id, self.policy, self.keyring, self.publisher = source_id, policy, keyring, publisher
        self.hostname, self.max_message_bytes, self.publish_timeout = hostname, max_message_bytes, publish_timeout
        self.via = via

    def tenant_for(self, mailbox: str) -> str | None:
        return self.policy.tenant_for(self.source_id, mailbox)

    async def deliver(self, raw: bytes, mailbox: str) -> DeliveryResult:
        """Publish ``raw`` for ``mailbox``, in a span of its own whose context rides in the record's headers."""
        with tracer.start_as_current_span("mail deliver", kind=trace.SpanKind.SERVER) as span:
            span.set_attribute(DELIVERY_VIA, self.via)
            span.set_attribute(attributes.SOURCE_ID, self.source_id)
            span.set_attribute(MESSAGE_BYTES, len(raw))
            result = await self._deliver(raw, mailbox, span)
            span.set_attribute(attributes.OUTCOME, result.status)
            if result.status != DeliveryStatus.DELIVERED:
                span.set_status(trace.StatusCode.ERROR, result.detail)
            return result

    async def _deliver(self, raw: bytes, mailbox: str, span: trace.Span) -> DeliveryResult:
        if len(raw) > self.max_message_bytes:
            return DeliveryResult(DeliveryStatus.TOO_LARGE,
                                  f"{len(raw)} bytes exceeds the {self.max_message_bytes}-byte limit")
        tenant = self.tenant_for(mailbox)
        if tenant is None:
            return DeliveryResult(DeliveryStatus.UNKNOWN_MAILBOX,
                                  f"{mailbox} is not a mailbox source {self.source_id} may deliver for")
        span.set_attribute(attributes.TENANT, tenant)
        raw, message_id = with_message_id(raw, self.hostname)
        try:
            mail = inbound_for_mailbox(raw, source_id=self.source_id, tenant=tenant, mailbox=mailbox,
                                       message_id=message_id)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
            return DeliveryResult(DeliveryStatus.NOT_A_MESSAGE, problems)
        span.set_attribute(attributes.MAIL_ID, mail.mail_id)
        span.set_attribute(attributes.IDEMPOTENCY_KEY, message_id)
        try:
            signed = {name: value.decode() for name, value in
                      inbound_headers(mail, self.keyring.signing_key(self.source_id))}
            await asyncio.wait_for(self.publisher.publish(mail, signed), timeout=self.publish_timeout)
        except UserError as exc:  # no signing key, no Kafka password
            return DeliveryResult(DeliveryStatus.MISCONFIGURED, str(exc), mail.mail_id)
        except TimeoutError:
            return DeliveryResult(DeliveryStatus.KAFKA_UNAVAILABLE,
                                  f"Kafka did not acknowledge within {self.publish_timeout:g}s", mail.mail_id)
        except KafkaError as exc:
            return DeliveryResult(DeliveryStatus.KAFKA_UNAVAILABLE, f"Kafka refused the record: {exc!r}",
                                  mail.mail_id)
        return DeliveryResult(DeliveryStatus.DELIVERED, "acknowledged by Kafka", mail.mail_id)
