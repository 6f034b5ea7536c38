"""First look at a raw mail.inbound.v1 record: size, encoding, JSON, envelope schema, in that order."""

import json

from pydantic import ValidationError

from shared.contracts.mail import InboundMail, QuarantineReason
from shared.errors import QuarantineMail


def validate_inbound(raw: bytes, max_mail_bytes: int) -> InboundMail:
    """Size first (cheap, and protects the parser), then UTF-8, then JSON, then the envelope schema."""
    if len(raw) > max_mail_bytes:
        raise QuarantineMail(QuarantineReason.OVERSIZE, f"{len(raw)} bytes exceeds the {max_mail_bytes}-byte limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuarantineMail(QuarantineReason.INVALID_ENCODING,
                             f"the record is not UTF-8: byte {exc.start} is {raw[exc.start:exc.start + 1]!r}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QuarantineMail(QuarantineReason.NOT_JSON, f"not a JSON document: {exc}") from None
    try:
        return InboundMail.model_validate(document)
    except ValidationError as exc:
        # locations and messages only: the input values may be personal data
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise QuarantineMail(QuarantineReason.SCHEMA_INVALID, problems) from None
