"""Checks a raw mail.inbound.v1 record and turns it into an accepted mail, or says why it is refused."""

import base64
import binascii
import email
import email.policy
import json
from email.message import EmailMessage

from pydantic import ValidationError

from shared.contracts.mail import AcceptedMail, AcceptedMailBody, InboundMail, QuarantineReason
from shared.errors import QuarantineMail


def validate_inbound(raw: bytes, max_mail_bytes: int) -> InboundMail:
    """Size first (cheap, and protects the parser), then JSON, then the envelope schema."""
    if len(raw) > max_mail_bytes:
        raise QuarantineMail(QuarantineReason.OVERSIZE, f"{len(raw)} bytes exceeds the {max_mail_bytes}-byte limit")
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuarantineMail(QuarantineReason.NOT_JSON, f"not a JSON document: {exc}") from None
    try:
        return InboundMail.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise QuarantineMail(QuarantineReason.SCHEMA_INVALID, problems) from None


def parse_rfc5322(raw_b64: str) -> EmailMessage:
    try:
        raw_message = base64.b64decode(raw_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise QuarantineMail(QuarantineReason.MIME_INVALID, f"raw_b64 is not base64: {exc}") from None
    message = email.message_from_bytes(raw_message, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or message.get("From") is None:
        raise QuarantineMail(QuarantineReason.MIME_INVALID, "no From header: not an RFC 5322 message")
    return message


def plain_text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def accept(inbound: InboundMail) -> AcceptedMail:
    message = parse_rfc5322(inbound.payload.raw_b64)
    body = AcceptedMailBody(
        message_id=inbound.payload.message_id,
        mailbox=inbound.payload.mailbox,
        sender=str(message.get("From", "")),
        subject=str(message.get("Subject", "")),
        body_text=plain_text_body(message),
        received_at=inbound.payload.received_at,
    )
    return AcceptedMail(tenant=inbound.tenant, mail_id=inbound.mail_id, payload=body)
