"""The gateway's register() in memory: a signed raw mail in; mail.accepted.v1 or mail.quarantine.v1 out, each with
its audit event, through FastStream's test broker. The content stages are the real ones (spaCy, the trained
classifier); the replay check and the PII vault are fakes of their ports."""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from services.gateway.guardrails.trained import build_classifier
from services.gateway.handlers import GatewayPublishers, provide, register
from services.gateway.pipeline import GatewayDeps
from services.gateway.redaction import PiiRedactor
from services.gateway.settings import GatewaySettings
from shared.contracts.mail import InboundMail, mail_id_for
from shared.contracts.topics import MAIL_INBOUND
from shared.customer_keys import CustomerKeys, customer_key
from shared.eval_sampling import load_policy
from shared.mail_publisher import inbound_from_eml, inbound_headers
from shared.mail_sources import DeliveryPolicy, SourceKeyring
from tests.support.in_memory_broker import handler_of, unit_broker

SOURCE = "test-mx"


@dataclass
class FirstSightings:
    positions: dict[tuple[str, str], str] = field(default_factory=dict)

    async def admit(self, source_id: str, message_id: str, position: str, raw_mail: bytes) -> None:
        self.positions.setdefault((source_id, message_id), position)


@dataclass
class SealedOriginals:
    originals: dict[str, Mapping[str, str]] = field(default_factory=dict)

    async def store(self, mail_id: str, originals: Mapping[str, str]) -> None:
        self.originals[mail_id] = originals


@dataclass
class GatewayUnderTest:
    broker: KafkaBroker
    publishers: GatewayPublishers
    keyring: SourceKeyring
    vault: SealedOriginals


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    return PiiRedactor()  # loads spaCy once for the module


@pytest.fixture
async def gateway(tmp_path: Path, redactor: PiiRedactor) -> AsyncIterator[GatewayUnderTest]:
    settings = GatewaySettings(source_keys_dir=tmp_path / "sources")
    keyring = SourceKeyring(settings.source_keys_dir)
    keyring.rotate(SOURCE)
    vault = SealedOriginals()
    broker = unit_broker("gateway")
    publishers = register(broker, settings)
    provide(broker, GatewayDeps(
        settings=settings, keyring=keyring, policy=DeliveryPolicy.load(settings.policy_file),
        replay=FirstSightings(), redactor=redactor, vault=vault,
        classifier=build_classifier(settings),
        sampling=load_policy(settings.sampling_policy), customer_keys=CustomerKeys(b"k" * 32)))
    async with TestKafkaBroker(broker) as test_broker:
        yield GatewayUnderTest(test_broker, publishers, keyring, vault)


def _mail() -> InboundMail:
    message = EmailMessage()
    message["From"] = "Dana Whitfield <dana.whitfield@northwind.example>"
    message["To"] = "support@acme.example"
    message["Subject"] = "Damaged desks on order AC-558213"
    message["Message-ID"] = "<unit-1@northwind.example>"
    message.set_content("Two of the desks arrived broken. Please refund order AC-558213.\n\nDana Whitfield")
    return inbound_from_eml(message.as_bytes(), source_id=SOURCE, tenant="acme")


def _headers(mail: InboundMail, key: bytes) -> dict[str, str]:
    return {name: value.decode() for name, value in inbound_headers(mail, key)}


async def test_a_signed_authorized_mail_is_accepted_redacted_and_audited(gateway: GatewayUnderTest) -> None:
    mail = _mail()
    raw = mail.model_dump_json().encode()
    await gateway.broker.publish(raw, MAIL_INBOUND, key=mail.mail_id.encode(),
                                 headers=_headers(mail, gateway.keyring.signing_key(SOURCE)))

    handler_of(gateway.broker, MAIL_INBOUND).mock.assert_called_once_with(raw)
    mail_id = mail_id_for(SOURCE, "<unit-1@northwind.example>")
    await gateway.publishers.accepted.assert_called_once_with(key=mail_id.encode())
    accepted = gateway.publishers.accepted.mock.call_args.args[0]
    assert (accepted["mail_id"], accepted["tenant"]) == (mail_id, "acme")
    assert "dana.whitfield@northwind.example" not in str(accepted)  # sealed in the vault, not published
    assert "dana.whitfield@northwind.example" in gateway.vault.originals[mail_id].values()
    sender = accepted["payload"]["sender_address"]
    assert accepted["payload"]["address_keys"][sender] == customer_key(b"k" * 32, "Dana.Whitfield@northwind.example")
    gateway.publishers.quarantine.mock.assert_not_called()
    gateway.publishers.audit.mock.assert_called_once()
    assert gateway.publishers.audit.mock.call_args.args[0]["action"] == "gateway.accepted"


async def test_a_mail_with_a_forged_signature_is_quarantined_with_its_reason_and_audited(
        gateway: GatewayUnderTest) -> None:
    mail = _mail()
    await gateway.broker.publish(mail.model_dump_json().encode(), MAIL_INBOUND, key=mail.mail_id.encode(),
                                 headers=_headers(mail, b"k" * 32))

    gateway.publishers.accepted.mock.assert_not_called()
    await gateway.publishers.quarantine.assert_called_once_with(key=mail.mail_id.encode())
    quarantined = gateway.publishers.quarantine.mock.call_args.args[0]
    assert (quarantined["reason"], quarantined["source_topic"]) == ("forged_signature", MAIL_INBOUND)
    assert gateway.vault.originals == {}
    assert gateway.publishers.audit.mock.call_args.args[0]["action"] == "gateway.quarantine"
