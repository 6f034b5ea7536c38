"""Source authentication: each mail server signs the raw message, its timestamp and its Message-ID.

The signature is HMAC-SHA256 with the source's own key. Two keys may be active per source so that a key
can be rotated without refusing mail signed a moment before the switch.
"""

import hmac
from collections.abc import Sequence

from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail
from shared.mail_signature import sign

MAX_ACTIVE_KEYS = 2


def verify_signature(keys: Sequence[bytes], signature: str | None, raw: bytes, timestamp: int, message_id: str) -> None:
    """Raise QuarantineMail unless ``signature`` was made with one of the source's active keys."""
    if not signature:
        raise QuarantineMail(QuarantineReason.UNSIGNED, "no mailspine-signature header")
    if not keys:
        raise QuarantineMail(QuarantineReason.UNKNOWN_SOURCE, "the source has no active signing key")
    for key in keys[:MAX_ACTIVE_KEYS]:
        if hmac.compare_digest(sign(key, raw, timestamp, message_id), signature):
            return
    raise QuarantineMail(QuarantineReason.FORGED_SIGNATURE, "the signature matches none of the source's active keys")


def parse_timestamp(header: str | None) -> int:
    try:
        return int(header or "")
    except ValueError:
        raise QuarantineMail(QuarantineReason.UNSIGNED,
                             f"mailspine-timestamp is not unix seconds: {header!r}") from None


def check_freshness(timestamp: int, now: float, skew_seconds: int) -> None:
    age = now - timestamp
    if abs(age) > skew_seconds:
        raise QuarantineMail(
            QuarantineReason.EXPIRED,
            f"signed {age:+.0f}s from now; the accepted skew is ±{skew_seconds}s",
        )
