"""Builds the quarantine record for a refused input: the reason, and enough to find or replay the original."""

import base64
import hashlib
from datetime import UTC, datetime

from shared.contracts.mail import QuarantineRecord
from shared.errors import QuarantineMail


def quarantine_record(
    refusal: QuarantineMail,
    *,
    raw: bytes,
    headers: dict[str, str],
    source_topic: str,
    partition: int,
    offset: int,
    mail_id: str | None,
    copy_limit_bytes: int,
) -> QuarantineRecord:
    return QuarantineRecord(
        reason=refusal.reason,
        detail=refusal.detail[:2000],
        mail_id=mail_id,
        source_topic=source_topic,
        partition=partition,
        offset=offset,
        original_size=len(raw),
        original_sha256=hashlib.sha256(raw).hexdigest(),
        original_headers=headers,
        original_b64=base64.b64encode(raw).decode() if len(raw) <= copy_limit_bytes else None,
        quarantined_at=datetime.now(UTC),
    )
