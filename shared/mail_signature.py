"""The mail.inbound.v1 signature, shared by signers (mail servers, `mailspine send`) and the gateway."""

import hashlib
import hmac

SIGNATURE_SCHEME = "v1"


def signing_payload(raw: bytes, timestamp: int, message_id: str) -> bytes:
    # the fields are length-free, so each sits on its own line before the raw bytes, which come last
    return b"mailspine-v1\n%d\n%s\n" % (timestamp, message_id.encode()) + raw


def sign(key: bytes, raw: bytes, timestamp: int, message_id: str) -> str:
    """HMAC-SHA256 over the raw RFC 5322 bytes, the signing time and the Message-ID."""
    digest = hmac.new(key, signing_payload(raw, timestamp, message_id), hashlib.sha256).hexdigest()
    return f"{SIGNATURE_SCHEME}={digest}"
