"""The LMTP ingest's protocol and decisions, against an in-memory publisher: replies per recipient, limits,
a Message-ID for a message without one, and the sysexits of `mailspine deliver`."""

import asyncio
import base64
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli.deliver_command import EX_DATAERR, EX_NOUSER, EX_OK, EX_TEMPFAIL, exit_code
from services.gateway.settings import GatewaySettings
from services.mail_ingest.delivery import DeliveryStatus, MailIngest, with_message_id
from services.mail_ingest.lmtp_server import IngestHandler, IngestLMTP
from services.mail_ingest.settings import MailIngestSettings
from shared.contracts.mail import HEADER_IDEMPOTENCY_KEY, HEADER_SOURCE_ID, InboundMail
from shared.mail_publisher import inbound_for_mailbox
from shared.mail_sources import DeliveryPolicy, SourceKeyring, SourcePolicy

LIMIT = 4096
MESSAGE = (b"From: Dana <dana@northwind.example>\r\nTo: support@acme.example\r\nSubject: Refund\r\n"
           b"Message-ID: <refund-1@northwind.example>\r\n\r\nPlease refund order AC-558213.\r\n")


@dataclass
class RecordingPublisher:
    """Stands in for Kafka: records what was published, or never acknowledges when ``stalled``."""

    stalled: bool = False
    published: list[tuple[InboundMail, dict[str, str]]] = field(default_factory=list)

    async def publish(self, mail: InboundMail, headers: dict[str, str]) -> None:
        if self.stalled:
            await asyncio.sleep(3600)
        self.published.append((mail, headers))


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
async def lmtp_port(publisher: RecordingPublisher, tmp_path: Path) -> AsyncIterator[int]:
    keyring = SourceKeyring(tmp_path)
    keyring.ensure("mx-test")
    policy = DeliveryPolicy(sources={"mx-test": SourcePolicy(tenants={"acme": ["*@acme.example"]})})
    ingest = MailIngest(source_id="mx-test", policy=policy, keyring=keyring, publisher=publisher,
                        hostname="ingest.test", max_message_bytes=LIMIT, publish_timeout=0.5, via="lmtp")
    server = await asyncio.get_running_loop().create_server(
        lambda: IngestLMTP(IngestHandler(ingest), hostname="ingest.test", data_size_limit=LIMIT), "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


def _transaction(port: int, recipients: list[str], message: bytes, size: int | None = None) -> dict:
    """One LMTP transaction; every reply the server gave, in order, and whether it still answers afterwards."""
    with smtplib.LMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        mail_reply = client.mail("dana@northwind.example", [f"SIZE={size}"] if size else [])
        if mail_reply[0] != 250:
            return {"mail": mail_reply, "still_serving": client.noop()[0] == 250}
        rcpt = {r: client.rcpt(r) for r in recipients}
        accepted = [r for r, reply in rcpt.items() if reply[0] == 250]
        # smtplib reads one reply after DATA; LMTP sends one per accepted recipient, so read the others too
        data = [client.data(message)] + [client.getreply() for _ in accepted[1:]]
        return {"rcpt": rcpt, "data": data, "still_serving": client.noop()[0] == 250}


async def test_each_accepted_recipient_gets_its_own_reply_and_record(lmtp_port: int,
                                                                      publisher: RecordingPublisher) -> None:
    replies = await asyncio.to_thread(_transaction, lmtp_port,
                                      ["support@acme.example", "nobody@globex.example", "billing@acme.example"],
                                      MESSAGE)
    assert replies["rcpt"]["nobody@globex.example"][0] == 550
    assert [code for code, _ in replies["data"]] == [250, 250]
    assert replies["still_serving"]
    assert sorted(mail.payload.mailbox for mail, _ in publisher.published) == [
        "billing@acme.example", "support@acme.example"]
    mail, headers = publisher.published[0]
    assert mail.tenant == "acme" and mail.payload.message_id == "<refund-1@northwind.example>"
    assert headers[HEADER_SOURCE_ID] == "mx-test"
    assert headers[HEADER_IDEMPOTENCY_KEY] == "<refund-1@northwind.example>"
    assert base64.b64decode(mail.payload.raw_b64) == MESSAGE  # the message as the MTA sent it


async def test_without_a_kafka_acknowledgement_every_recipient_gets_451(lmtp_port: int,
                                                                        publisher: RecordingPublisher) -> None:
    publisher.stalled = True
    replies = await asyncio.to_thread(_transaction, lmtp_port, ["support@acme.example", "sales@acme.example"],
                                      MESSAGE)
    assert [code for code, _ in replies["data"]] == [451, 451]
    assert all(b"4.3.0" in text for _, text in replies["data"])
    assert replies["still_serving"]


async def test_too_much_data_is_552_for_every_recipient_and_the_session_stays_in_step(lmtp_port: int) -> None:
    big = MESSAGE + b"\r\n".join([b"y" * 70] * 100) + b"\r\n"  # about 7 KB, the limit is 4 KB
    replies = await asyncio.to_thread(_transaction, lmtp_port, ["support@acme.example", "sales@acme.example"], big)
    assert [code for code, _ in replies["data"]] == [552, 552]
    assert replies["still_serving"]


async def test_a_declared_size_over_the_limit_is_552_at_mail_from(lmtp_port: int) -> None:
    replies = await asyncio.to_thread(_transaction, lmtp_port, ["support@acme.example"], MESSAGE, size=LIMIT + 1)
    assert replies["mail"][0] == 552
    assert replies["still_serving"]


def test_a_message_without_message_id_gets_one_derived_from_its_bytes() -> None:
    bare = b"From: a@b.example\r\nSubject: no id\r\n\r\nhello\r\n"
    stamped, message_id = with_message_id(bare, "ingest.test")
    assert stamped.endswith(bare) and stamped.startswith(f"Message-ID: {message_id}\r\n".encode())
    assert with_message_id(bare, "ingest.test") == (stamped, message_id)  # a retry gets the same id
    assert with_message_id(MESSAGE, "ingest.test") == (MESSAGE, "<refund-1@northwind.example>")


def test_the_largest_message_the_ingest_accepts_fits_the_gateways_record_limit() -> None:
    largest = b"x" * MailIngestSettings().max_message_bytes
    record = inbound_for_mailbox(largest, source_id="local-mx", tenant="acme", mailbox="support@acme.example",
                                 message_id="<" + "m" * 900 + "@example>")
    assert len(record.model_dump_json().encode()) <= GatewaySettings().max_mail_bytes


def test_deliver_exit_codes_follow_sysexits() -> None:
    assert exit_code(DeliveryStatus.DELIVERED) == EX_OK == 0
    assert exit_code(DeliveryStatus.KAFKA_UNAVAILABLE) == EX_TEMPFAIL == 75
    assert exit_code(DeliveryStatus.MISCONFIGURED) == EX_TEMPFAIL
    assert exit_code(DeliveryStatus.UNKNOWN_MAILBOX) == EX_NOUSER == 67
    assert exit_code(DeliveryStatus.TOO_LARGE) == exit_code(DeliveryStatus.NOT_A_MESSAGE) == EX_DATAERR == 65
