"""A golden mail as the runtime would receive it: built as RFC 5322, then through the gateway's content stages.

So the evaluation sees what production sees: MIME parsing, HTML to text, the injection guardrail, PII redaction
and spotlighting. The placeholders the redactor assigned are kept here (production keeps them in the PII vault)
so extracted values can be compared with the labels.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from services.gateway.pipeline import ContentInspector, Evidence, InspectedContent, inspect_content
from shared.contracts.golden import GoldenMail
from shared.customer_keys import CustomerKeys
from shared.errors import QuarantineMail

# the golden mails carry no Date header; they were written as if received on this day
GOLDEN_RECEIVED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
# pseudonyms for the eval alone (no tenant's secret is needed or used); 32 bytes like a real one
EVAL_CUSTOMER_KEYS = CustomerKeys(b"offline-eval-customer-keys-fixed")


@dataclass(frozen=True)
class PreparedMail:
    row: GoldenMail
    content: InspectedContent | None  # None when the gateway refused the mail
    quarantine: QuarantineMail | None


def rfc5322(row: GoldenMail) -> bytes:
    message = EmailMessage()
    message["From"] = row.mail.from_
    message["To"] = row.mail.to
    message["Subject"] = row.mail.subject
    message["Message-ID"] = f"<{row.id}@golden.mailspine.example>"
    message["Date"] = format_datetime(GOLDEN_RECEIVED_AT)
    message.set_content(row.mail.body, subtype="html" if row.mail.format == "html" else "plain")
    return message.as_bytes()


def prepare(row: GoldenMail, inspector: ContentInspector) -> PreparedMail:
    raw = rfc5322(row)
    message_id = f"<{row.id}@golden.mailspine.example>"
    try:
        content = inspect_content(raw, message_id, row.mail.to, GOLDEN_RECEIVED_AT, inspector, Evidence())
    except QuarantineMail as refused:
        return PreparedMail(row=row, content=None, quarantine=refused)
    # the gateway names each address by its customer key; the eval's keys need only be stable, not the tenant's
    keyed = content.accepted.model_copy(update={"address_keys": EVAL_CUSTOMER_KEYS.of_placeholders(content.secrets)})
    return PreparedMail(row=row, content=replace(content, accepted=keyed), quarantine=None)


def build_inspector() -> ContentInspector:
    """The gateway's own redactor, classifier and settings (about two seconds to load)."""
    from services.gateway.guardrails.trained import build_classifier
    from services.gateway.redaction import PiiRedactor
    from services.gateway.settings import GatewaySettings

    settings = GatewaySettings()
    classifier = build_classifier(settings)
    return ContentInspector(settings=settings, redactor=PiiRedactor(), classifier=classifier)
