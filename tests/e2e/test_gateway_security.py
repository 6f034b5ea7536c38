"""The gateway's perimeter against the real Kafka and Redis: each refusal is quarantined with its reason,
and the gateway keeps consuming after every one of them."""

import asyncio
import base64
import time
import uuid
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from aiokafka import AIOKafkaProducer

from infra.kafka_acls import MAIL_SOURCE
from infra.mail_publisher import inbound_from_eml, inbound_headers
from services.gateway.settings import GatewaySettings
from services.gateway.source_keys import SourceKeyring
from shared.contracts.mail import InboundMail, QuarantineReason
from shared.audit import verify_chain
from shared.contracts.audit import AuditEvent
from shared.contracts.topics import AUDIT_LOG, CRM_WRITES, MAIL_INBOUND, MAIL_QUARANTINE
from shared.settings import KafkaSettings
from tests.helpers import read_until, send_mails, unique_mail

pytestmark = pytest.mark.usefixtures("running_services")

SOURCE = "test-mx"


def _key() -> bytes:
    return SourceKeyring(GatewaySettings().source_keys_dir).signing_key(SOURCE)


def _record(mail: InboundMail, *, key: bytes | None = None, timestamp: int | None = None) -> tuple[bytes, list]:
    return mail.model_dump_json().encode(), inbound_headers(mail, key or _key(), timestamp)


def _nested_mail(depth: int) -> bytes:
    token = uuid.uuid4().hex
    inner = MIMEText("deep inside")
    for _ in range(depth):
        outer = MIMEMultipart("mixed")
        outer.attach(inner)
        inner = outer
    inner["From"] = "deep@nest.example"
    inner["To"] = "support@acme.example"
    inner["Message-ID"] = f"<{token}@nest.example>"
    return inner.as_bytes()


def _with_mailbox(mail: InboundMail, tenant: str, mailbox: str) -> InboundMail:
    return mail.model_copy(update={"tenant": tenant, "payload": mail.payload.model_copy(update={"mailbox": mailbox})})


async def _publish(records: list[tuple[bytes, list]]) -> None:
    kafka = KafkaSettings.for_principal(MAIL_SOURCE)
    producer = AIOKafkaProducer(**kafka.client_options(), max_request_size=kafka.max_message_bytes)
    await producer.start()
    try:
        for value, headers in records:
            await producer.send_and_wait(MAIL_INBOUND, value, headers=headers)
    finally:
        await producer.stop()


def _mail() -> InboundMail:
    return inbound_from_eml(unique_mail(), source_id=SOURCE, tenant="acme")


def test_every_refusal_is_quarantined_with_its_reason_and_the_gateway_keeps_consuming() -> None:
    replayed = _mail()
    not_mime = _mail()
    not_mime = not_mime.model_copy(update={"payload": not_mime.payload.model_copy(
        update={"raw_b64": base64.b64encode(b"this is not an RFC 5322 message at all").decode()})})
    nested = inbound_from_eml(_nested_mail(50), source_id=SOURCE, tenant="acme")
    oversize_mail = inbound_from_eml(unique_mail(body="x" * (GatewaySettings().max_mail_bytes + 1024)),
                                     source_id=SOURCE, tenant="acme")
    cases = {
        "forged": (_record(_mail(), key=b"not-the-key" * 3), QuarantineReason.FORGED_SIGNATURE),
        "unsigned": ((_mail().model_dump_json().encode(), [("mailspine-source-id", SOURCE.encode())]),
                     QuarantineReason.UNSIGNED),
        "expired": (_record(_mail(), timestamp=int(time.time()) - 3600), QuarantineReason.EXPIRED),
        "wrong_tenant": (_record(_with_mailbox(_mail(), "initech", "support@initech.example")),
                         QuarantineReason.UNAUTHORIZED),
        "wrong_mailbox": (_record(_with_mailbox(_mail(), "globex", "ceo@globex.example")),
                          QuarantineReason.UNAUTHORIZED),
        "oversize": (_record(oversize_mail), QuarantineReason.OVERSIZE),
        "malformed_mime": (_record(not_mime), QuarantineReason.MIME_INVALID),
        "invalid_utf8": ((b'{"tenant": "acme", "note": "\xff\xfe broken"}', [("x-case", b"utf8")]),
                         QuarantineReason.INVALID_ENCODING),
        "deeply_nested": (_record(nested), QuarantineReason.TOO_DEEP),
        "replay_first": (_record(replayed), None),
        # a new record (new envelope id) carrying the same signed mail: a replay, not a redelivery
        "replay_again": (_record(replayed.model_copy(update={"id": uuid.uuid4().hex})), QuarantineReason.REPLAY),
    }
    asyncio.run(_publish([record for record, _ in cases.values()]))
    [good] = send_mails(1)  # sent last: it only arrives if the gateway moved past every refusal

    def identify(record: dict) -> str | None:
        for name, ((value, _), _) in cases.items():
            original = record.get("original_b64")
            if original and base64.b64decode(original) == value:
                return name
            if record.get("original_size") == len(value) and name == "oversize":
                return name
        return None

    expected = {name for name, (_, reason) in cases.items() if reason is not None}
    quarantined = read_until(MAIL_QUARANTINE, lambda rs: expected <= {identify(r) for r in rs}, timeout=90)
    found = {identify(r): r for r in quarantined if identify(r)}
    for name, (_, reason) in cases.items():
        if reason is None:
            assert name not in found, f"{name} should have been accepted: {found.get(name)}"
            continue
        assert name in found, f"{name} was not quarantined"
        assert found[name]["reason"] == reason, (name, found[name]["reason"], found[name]["detail"])
        assert found[name]["detail"]

    writes = read_until(CRM_WRITES, lambda rs: {good.mail_id, replayed.mail_id} <= {r.get("mail_id") for r in rs}, 60)
    assert {good.mail_id, replayed.mail_id} <= {r.get("mail_id") for r in writes}

    # every decision is an audit event, and the gateway's chains are unbroken
    events = [AuditEvent.model_validate({k: v for k, v in r.items() if not k.startswith("_")})
              for r in read_until(AUDIT_LOG, lambda rs: good.mail_id in {r.get("mail_id") for r in rs}, 30)]
    actions = {(e.mail_id, e.action) for e in events}
    assert (good.mail_id, "gateway.accepted") in actions
    assert (replayed.mail_id, "gateway.quarantine") in actions  # the replay
    assert any(e.detail.get("reason") == QuarantineReason.FORGED_SIGNATURE for e in events)
    chains: dict[str, list[AuditEvent]] = {}
    for event in events:
        chains.setdefault(event.chain_id, []).append(event)
    assert chains and all(verify_chain(chain) for chain in chains.values())
