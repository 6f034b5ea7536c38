"""The gateway's decision for one inbound record: authenticate, authorize, parse, redact, guard, spotlight.

Every refusal raises QuarantineMail with a machine-readable reason. What the gateway learned on the way
(verdicts, scores, counts) is returned as evidence for the span and the audit event, never PII values.
"""

import base64
import binascii
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from typing import Any, Protocol

from services.gateway.guardrails.classifier import InjectionClassifier
from services.gateway.guardrails.verdict import Verdict, assess_injection
from services.gateway.inbound import validate_inbound
from services.gateway.mime import MimeLimits, parse_mail
from services.gateway.redaction import PiiRedactor
from services.gateway.settings import GatewaySettings
from services.gateway.source_auth import check_freshness, parse_timestamp, verify_signature
from shared.contracts.mail import (
    HEADER_SIGNATURE,
    HEADER_SOURCE_ID,
    HEADER_TIMESTAMP,
    AcceptedMail,
    AcceptedMailBody,
    AttachmentInfo,
    GuardrailSummary,
    QuarantineReason,
    mail_id_for,
)
from shared.customer_keys import CustomerKeys
from shared.errors import QuarantineMail
from shared.eval_sampling import SamplingPolicy
from shared.mail_sources import DeliveryPolicy, SourceKeyring
from shared.pii_vault import with_sender_address
from shared.spotlight import spotlight, spotlight_contract


class SeenMessages(Protocol):
    """The replay check's port (Redis in production, see ``ReplayGuard``)."""

    async def admit(self, source_id: str, message_id: str, position: str, raw_mail: bytes) -> None: ...


class PiiSealer(Protocol):
    """The PII vault's sealing side (``shared.pii_vault.PiiVault``)."""

    async def store(self, mail_id: str, originals: Mapping[str, str]) -> None: ...


@dataclass
class GatewayDeps:
    settings: GatewaySettings
    keyring: SourceKeyring
    policy: DeliveryPolicy
    replay: SeenMessages
    redactor: PiiRedactor
    vault: PiiSealer
    classifier: InjectionClassifier
    sampling: SamplingPolicy
    customer_keys: CustomerKeys

    def content_inspector(self) -> "ContentInspector":
        return ContentInspector(self.settings, self.redactor, self.classifier)


@dataclass
class Evidence:
    """What the span and the audit event may carry: identifiers, verdicts, scores, counts."""

    mail_id: str | None = None
    tenant: str | None = None
    source_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    stage_ms: dict[str, float] = field(default_factory=dict)


class _Stages:
    def __init__(self, evidence: Evidence) -> None:
        self.evidence = evidence
        self.started = time.perf_counter()

    def done(self, stage: str) -> None:
        now = time.perf_counter()
        self.evidence.stage_ms[stage] = round((now - self.started) * 1000, 3)
        self.started = now


def authenticate(raw: bytes, headers: dict[str, str], deps: GatewayDeps, evidence: Evidence) -> tuple[Any, bytes]:
    inbound = validate_inbound(raw, deps.settings.max_mail_bytes)
    payload = inbound.payload
    evidence.mail_id, evidence.tenant, evidence.source_id = inbound.mail_id, inbound.tenant, payload.source_id
    if headers.get(HEADER_SOURCE_ID) != payload.source_id:
        raise QuarantineMail(QuarantineReason.FORGED_SIGNATURE, "the source-id header and the envelope disagree")
    if inbound.mail_id != mail_id_for(payload.source_id, payload.message_id):
        raise QuarantineMail(QuarantineReason.SCHEMA_INVALID, "mail_id does not derive from source and Message-ID")
    try:
        raw_mail = base64.b64decode(payload.raw_b64, validate=True)
    except (binascii.Error, ValueError):
        raise QuarantineMail(QuarantineReason.MIME_INVALID, "raw_b64 is not base64") from None
    timestamp = parse_timestamp(headers.get(HEADER_TIMESTAMP))
    verify_signature(deps.keyring.active_keys(payload.source_id), headers.get(HEADER_SIGNATURE), raw_mail,
                     timestamp, payload.message_id)
    check_freshness(timestamp, time.time(), deps.settings.signature_skew_seconds)
    return inbound, raw_mail


async def admit(raw: bytes, headers: dict[str, str], position: str, deps: GatewayDeps,
                evidence: Evidence) -> AcceptedMail:
    """The accepted mail, or QuarantineMail, or DuplicateDelivery (admitted before from another record).
    Redis outages raise RetryLater (redelivery)."""
    stages = _Stages(evidence)
    inbound, raw_mail = authenticate(raw, headers, deps, evidence)
    payload = inbound.payload
    await deps.replay.admit(payload.source_id, payload.message_id, position, raw_mail)
    deps.policy.authorize(payload.source_id, inbound.tenant, payload.mailbox)
    stages.done("authenticate_authorize")

    content = inspect_content(raw_mail, payload.message_id, payload.mailbox, payload.received_at,
                              deps.content_inspector(), evidence, stages)
    await deps.vault.store(inbound.mail_id, with_sender_address(content.secrets, content.accepted.sender_address))
    stages.done("vault")
    accepted = content.accepted.model_copy(update={"address_keys": deps.customer_keys.of_placeholders(content.secrets)})
    return AcceptedMail(tenant=inbound.tenant, mail_id=inbound.mail_id, payload=accepted)


@dataclass(frozen=True)
class ContentInspector:
    """What the content stages need: pure, no I/O, so the offline eval runs exactly these stages too."""

    settings: GatewaySettings
    redactor: PiiRedactor
    classifier: InjectionClassifier


@dataclass(frozen=True)
class InspectedContent:
    accepted: AcceptedMailBody
    secrets: dict[str, str]  # placeholder -> original value: for the PII vault only


def inspect_content(raw_mail: bytes, message_id: str, mailbox: str, received_at: datetime,
                    deps: ContentInspector, evidence: Evidence, stages: "_Stages | None" = None) -> InspectedContent:
    """Parse, guard, redact and spotlight one authenticated mail, or raise QuarantineMail."""
    stages = stages or _Stages(evidence)
    limits = MimeLimits(deps.settings.max_mail_bytes, deps.settings.max_mime_parts, deps.settings.max_mime_depth)
    parsed = parse_mail(raw_mail, limits)
    if parsed.message_id.strip() != message_id.strip():
        raise QuarantineMail(QuarantineReason.MIME_INVALID, "the message's Message-ID differs from the signed one")
    evidence.attributes.update({"mailspine.mime.parts": parsed.part_count,
                                "mailspine.mime.depth": parsed.max_depth_seen,
                                "mailspine.mime.attachments": len(parsed.attachments),
                                "mailspine.mime.body_source": parsed.body_source,
                                "mailspine.mime.charset_repairs": parsed.charset_repairs})
    stages.done("parse")

    thresholds = deps.settings.injection_thresholds()
    injection = assess_injection(f"{parsed.subject}\n\n{parsed.body_text}", parsed.hidden_html_text,
                                 deps.classifier, thresholds)
    evidence.attributes.update({"mailspine.guardrail.verdict": injection.verdict,
                                "mailspine.guardrail.score": injection.score,
                                "mailspine.guardrail.rule_score": injection.rule_score,
                                "mailspine.guardrail.classifier_score": injection.classifier_score,
                                "mailspine.guardrail.rule_hits": list(injection.rule_hits)})
    stages.done("guardrails")
    if injection.verdict == Verdict.BLOCK:
        raise QuarantineMail(QuarantineReason.INJECTION_BLOCKED,
                             f"injection score {injection.score} >= {thresholds.block}; "
                             f"rule hits: {', '.join(injection.rule_hits) or 'none'}")

    sender_address = parseaddr(parsed.sender)[1]
    filenames = [a.filename or "" for a in parsed.attachments]
    address, sender, subject, body, *names = deps.redactor.redact(
        sender_address, parsed.sender, parsed.subject, parsed.body_text, *filenames)
    results = (address, sender, subject, body, *names)
    entities = {entity.placeholder: entity for result in results for entity in result.entities}
    counts: dict[str, int] = {}
    for result in results[1:]:
        for entity_type, count in result.counts.items():
            counts[entity_type] = counts.get(entity_type, 0) + count
    evidence.attributes.update({f"mailspine.pii.{t.lower()}.count": n for t, n in counts.items()})
    stages.done("redaction")

    accepted = AcceptedMailBody(
        message_id=message_id,
        thread_id=parsed.thread_id,
        mailbox=mailbox,
        sender=spotlight(sender.text),
        sender_address=address.text,
        subject=spotlight(subject.text),
        body=spotlight(body.text),
        spotlight=spotlight_contract(),
        attachments=[AttachmentInfo(filename=name.text if a.filename is not None else None,
                                    content_type=a.content_type, size=a.size, sha256=a.sha256)
                     for a, name in zip(parsed.attachments, names, strict=True)],
        guardrail=GuardrailSummary(verdict=str(injection.verdict), score=injection.score,
                                   rule_hits=list(injection.rule_hits)),
        requires_human_review=injection.verdict == Verdict.FLAG,
        redacted_entities=counts,
        received_at=received_at,
    )
    stages.done("spotlight")
    return InspectedContent(accepted=accepted, secrets={placeholder: e.value for placeholder, e in entities.items()})
