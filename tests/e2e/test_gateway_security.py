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

from services.gateway.settings import GatewaySettings
from shared.audit import distinct_links, verify_chain
from shared.contracts.audit import AuditEvent
from shared.contracts.mail import InboundMail, QuarantineReason
from shared.contracts.topics import AUDIT_LOG, CRM_WRITES, MAIL_INBOUND, MAIL_QUARANTINE
from shared.mail_publisher import MAIL_SOURCE, inbound_from_eml, inbound_headers
from shared.mail_sources import SourceKeyring
from shared.settings import KafkaSettings
from tests.support.helpers import read_until, send_mails, unique_mail

pytestmark = pytest.mark.usefixtures("running_services")

SOURCE = "test-mx"


def _key() -> bytes:
    return SourceKeyring(GatewaySettings().source_keys_dir).signing_key(SOURCE)


def _record(mail: InboundMail, *, key: bytes | None = None, timestamp: int | None = None) -> tuple[bytes, list]:
    return mail.model_dump_json().encode(), inbound_headers(mail, key or _key(), timestamp)


def _nested_mail(depth: int) -> bytes:
    token = uuid.uuid4().hex
    inner: MIMEText | MIMEMultipart = MIMEText("deep inside")
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
            # keyed by mail id, as mail servers publish: one mail's records stay in order on one partition
            await producer.send_and_wait(MAIL_INBOUND, value, headers=headers, key=_mail_id_of(value))
    finally:
        await producer.stop()


def _mail_id_of(value: bytes) -> bytes | None:
    try:
        return InboundMail.model_validate_json(value).mail_id.encode()
    except ValueError:
        return None


def _mail() -> InboundMail:
    return inbound_from_eml(unique_mail(), source_id=SOURCE, tenant="acme")


def _cases() -> dict[str, tuple[tuple[bytes, list], QuarantineReason | None]]:
    replayed = _mail()
    not_mime = _mail()
    not_mime = not_mime.model_copy(update={"payload": not_mime.payload.model_copy(
        update={"raw_b64": base64.b64encode(b"this is not an RFC 5322 message at all").decode()})})
    nested = inbound_from_eml(_nested_mail(50), source_id=SOURCE, tenant="acme")
    oversize_mail = inbound_from_eml(unique_mail(body="x" * (GatewaySettings().max_mail_bytes + 1024)),
                                     source_id=SOURCE, tenant="acme")
    return {
        "forged_signature": (_record(_mail(), key=b"not-the-key" * 3), QuarantineReason.FORGED_SIGNATURE),
        "unsigned": ((_mail().model_dump_json().encode(), [("mailspine-source-id", SOURCE.encode())]),
                     QuarantineReason.UNSIGNED),
        "expired_timestamp": (_record(_mail(), timestamp=int(time.time()) - 3600), QuarantineReason.EXPIRED),
        "wrong_tenant": (_record(_with_mailbox(_mail(), "initech", "support@initech.example")),
                         QuarantineReason.UNAUTHORIZED),
        "wrong_mailbox": (_record(_with_mailbox(_mail(), "globex", "ceo@globex.example")),
                          QuarantineReason.UNAUTHORIZED),
        "oversize": (_record(oversize_mail), QuarantineReason.OVERSIZE),
        "malformed_mime": (_record(not_mime), QuarantineReason.MIME_INVALID),
        "invalid_utf8": ((b'{"tenant": "acme", "note": "\xff\xfe broken"}', [("x-case", b"utf8")]),
                         QuarantineReason.INVALID_ENCODING),
        "deeply_nested_multipart": (_record(nested), QuarantineReason.TOO_DEEP),
        "replay_first_delivery": (_record(replayed), None),
        # a new record (new envelope id) carrying the same signed mail, as a mail server's retry does after it lost
        # our acknowledgement: a duplicate delivery, audited and not processed again
        "duplicate_delivery": (_record(replayed.model_copy(update={"id": uuid.uuid4().hex})), None),
        # another message under a Message-ID already seen from the source: a replay
        "replay": (_record(_other_content(replayed)), QuarantineReason.REPLAY),
    }


def _other_content(mail: InboundMail) -> InboundMail:
    raw = base64.b64decode(mail.payload.raw_b64).replace(b"Please refund", b"Please refund twice")
    return mail.model_copy(update={"id": uuid.uuid4().hex, "payload": mail.payload.model_copy(
        update={"raw_b64": base64.b64encode(raw).decode()})})


REFUSALS = ["forged_signature", "unsigned", "expired_timestamp", "wrong_tenant", "wrong_mailbox", "oversize",
            "malformed_mime", "invalid_utf8", "deeply_nested_multipart", "replay"]


@pytest.fixture(scope="module")
def outcome() -> dict:
    """Publish every case once, then a good mail; collect the quarantine records, CRM writes and audit events."""
    cases = _cases()
    asyncio.run(_publish([record for record, _ in cases.values()]))
    [good] = send_mails(1)  # sent last: it only arrives if the gateway moved past every refusal
    first_delivery = cases["replay_first_delivery"][0][0]

    def identify(record: dict) -> str | None:
        for name, ((value, _), _) in cases.items():
            original = record.get("original_b64")
            if original and base64.b64decode(original) == value:
                return name
            if name == "oversize" and record.get("original_size") == len(value):
                return name
        return None

    expected = {name for name, (_, reason) in cases.items() if reason is not None}
    quarantined = read_until(MAIL_QUARANTINE, lambda rs: expected <= {identify(r) for r in rs}, timeout=90)
    replayed_id = InboundMail.model_validate_json(first_delivery).mail_id
    read_until(CRM_WRITES, lambda rs: {good.mail_id, replayed_id} <= {r.get("mail_id") for r in rs}, 60)

    def decided(records: list[dict]) -> bool:
        actions = {(r.get("mail_id"), r.get("action")) for r in records}
        return (good.mail_id, "gateway.accepted") in actions and (replayed_id, "gateway.duplicate") in actions

    events = [AuditEvent.model_validate({k: v for k, v in r.items() if not k.startswith("_")})
              for r in read_until(AUDIT_LOG, decided, 30)]
    writes = read_until(CRM_WRITES, lambda _: False, 3)  # a second write of the duplicate would be here by now
    return {
        "cases": cases,
        "found": {identify(r): r for r in quarantined if identify(r)},
        "written": {r.get("mail_id") for r in writes},
        "writes_of_replayed": sum(r.get("mail_id") == replayed_id for r in writes),
        "good": good.mail_id,
        "replayed": replayed_id,
        "events": events,
    }


@pytest.mark.parametrize("case", REFUSALS)
def test_the_refusal_is_quarantined_with_its_reason(outcome: dict, case: str) -> None:
    _, reason = outcome["cases"][case]
    assert case in outcome["found"], f"{case} was not quarantined"
    record = outcome["found"][case]
    assert record["reason"] == reason, (case, record["reason"], record["detail"])
    assert record["detail"] and record["source_topic"] == MAIL_INBOUND


def test_the_first_delivery_of_a_later_replayed_mail_is_accepted(outcome: dict) -> None:
    assert "replay_first_delivery" not in outcome["found"]
    assert outcome["replayed"] in outcome["written"]


def test_the_same_signed_mail_in_a_second_record_is_processed_once_and_not_quarantined(outcome: dict) -> None:
    assert "duplicate_delivery" not in outcome["found"]
    assert outcome["writes_of_replayed"] == 1
    assert (outcome["replayed"], "gateway.duplicate") in {(e.mail_id, e.action) for e in outcome["events"]}


def test_the_gateway_keeps_consuming_after_every_refusal(outcome: dict) -> None:
    assert outcome["good"] in outcome["written"]


def test_every_decision_is_an_audit_event_on_an_unbroken_chain(outcome: dict) -> None:
    events: list[AuditEvent] = outcome["events"]
    actions = {(e.mail_id, e.action) for e in events}
    assert (outcome["good"], "gateway.accepted") in actions
    assert (outcome["replayed"], "gateway.quarantine") in actions  # the replay
    quarantined_reasons = {e.detail.get("reason") for e in events if e.action == "gateway.quarantine"}
    expected = {QuarantineReason.FORGED_SIGNATURE, QuarantineReason.TOO_DEEP, QuarantineReason.EXPIRED}
    assert expected <= quarantined_reasons
    chains: dict[str, list[AuditEvent]] = {}
    for event in events:
        chains.setdefault(event.chain_id, []).append(event)
    # a producer that republishes after a restart (the runtime, after the broker restart test) sends the very same
    # links again: a chain is verified over its distinct links
    assert chains and all(verify_chain(distinct_links(chain)) for chain in chains.values())
