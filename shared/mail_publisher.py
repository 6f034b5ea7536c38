"""Publishes raw RFC 5322 mail to mail.inbound.v1 the way a mail server does."""

import base64
import email
import email.policy
import re
import time
from datetime import UTC, datetime
from email.utils import getaddresses
from pathlib import Path

from aiokafka import AIOKafkaProducer

from infra.kafka_acls import MAIL_SOURCE
from services.gateway.settings import GatewaySettings
from services.gateway.source_keys import SourceKeyring
from shared.contracts.mail import (
    HEADER_IDEMPOTENCY_KEY,
    HEADER_SIGNATURE,
    HEADER_SOURCE_ID,
    HEADER_TIMESTAMP,
    InboundMail,
    RawMail,
    mail_id_for,
)
from shared.contracts.topics import MAIL_INBOUND
from shared.errors import UserError
from shared.mail_signature import sign
from shared.settings import KafkaSettings

_MESSAGE_ID_LOCAL_PART = re.compile(rb"(?im)^(Message-ID:\s*<[^@>\r\n]*)@")


def inbound_from_eml(raw: bytes, *, source_id: str, tenant: str, origin: str = "message") -> InboundMail:
    """Wrap one raw message; refuses input a mail server would not deliver (no Message-ID, no recipient)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        raise UserError(f"{origin} has no Message-ID header; a mail server always sets one")
    recipients = [address for _, address in getaddresses([str(v) for v in message.get_all("To", [])]) if address]
    if not recipients:
        raise UserError(f"{origin} has no To address, so there is no mailbox to deliver it to")
    raw_mail = RawMail(
        source_id=source_id,
        mailbox=recipients[0].lower(),
        message_id=message_id,
        raw_b64=base64.b64encode(raw).decode(),
        received_at=datetime.now(UTC),
    )
    return InboundMail(tenant=tenant, mail_id=mail_id_for(source_id, message_id), payload=raw_mail)


def read_eml(path: Path, *, source_id: str, tenant: str, message_id_suffix: str = "") -> InboundMail:
    """``message_id_suffix`` makes a re-sent sample a new mail rather than a replay the gateway refuses."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if message_id_suffix:
        raw = _MESSAGE_ID_LOCAL_PART.sub(rb"\1" + message_id_suffix.encode() + rb"@", raw, count=1)
    return inbound_from_eml(raw, source_id=source_id, tenant=tenant, origin=str(path))


def inbound_headers(mail: InboundMail, key: bytes, timestamp: int | None = None) -> list[tuple[str, bytes]]:
    """The headers a mail server sets, signature included (``timestamp`` is for tests of expiry)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    raw = base64.b64decode(mail.payload.raw_b64)
    return [
        (HEADER_SOURCE_ID, mail.payload.source_id.encode()),
        (HEADER_TIMESTAMP, str(timestamp).encode()),
        (HEADER_SIGNATURE, sign(key, raw, timestamp, mail.payload.message_id).encode()),
        (HEADER_IDEMPOTENCY_KEY, mail.payload.message_id.encode()),
        ("content-type", b"application/json"),
    ]


async def publish_inbound(mails: list[InboundMail], kafka: KafkaSettings | None = None) -> None:
    """Sign each mail with its source's current key and publish it."""
    keyring = SourceKeyring(GatewaySettings().source_keys_dir)
    kafka = kafka or KafkaSettings.for_principal(MAIL_SOURCE)
    producer = AIOKafkaProducer(
        **kafka.client_options(),
        enable_idempotence=True,
        max_request_size=kafka.max_message_bytes,
        client_id="mailspine-send",
    )
    await producer.start()
    try:
        for mail in mails:
            await producer.send_and_wait(
                MAIL_INBOUND,
                mail.model_dump_json().encode(),
                key=mail.mail_id.encode(),
                headers=inbound_headers(mail, keyring.signing_key(mail.payload.source_id)),
            )
    finally:
        await producer.stop()
