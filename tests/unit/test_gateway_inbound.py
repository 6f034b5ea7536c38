import base64
import json

import pytest

from infra.mail_publisher import inbound_from_eml
from services.gateway.inbound import accept, validate_inbound
from services.gateway.quarantine import quarantine_record
from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail, UserError

EML = (
    b"From: Dana <dana@northwind.example>\r\nTo: support@acme.example\r\nSubject: Refund AC-558213\r\n"
    b"Message-ID: <r1@northwind.example>\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease refund EUR 418.00.\r\n"
    b"--b\r\nContent-Type: text/html\r\n\r\n<p>HTML version</p>\r\n--b--\r\n"
)


def _inbound_bytes(raw: bytes = EML) -> bytes:
    return inbound_from_eml(raw, source_id="mx", tenant="acme").model_dump_json().encode()


def test_a_valid_mail_is_accepted_with_its_plain_text_part() -> None:
    accepted = accept(validate_inbound(_inbound_bytes(), max_mail_bytes=1_000_000))
    assert accepted.payload.subject == "Refund AC-558213"
    assert accepted.payload.sender == "Dana <dana@northwind.example>"
    assert accepted.payload.mailbox == "support@acme.example"
    assert "EUR 418.00" in accepted.payload.body_text
    assert "HTML version" not in accepted.payload.body_text


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe not json", QuarantineReason.NOT_JSON),
        (b"{\"tenant\": ", QuarantineReason.NOT_JSON),
        (json.dumps({"tenant": "acme"}).encode(), QuarantineReason.SCHEMA_INVALID),
        (json.dumps([1, 2]).encode(), QuarantineReason.SCHEMA_INVALID),
        (b"{" + b" " * 2000 + b"}", QuarantineReason.OVERSIZE),
    ],
)
def test_bad_input_is_refused_with_its_reason(raw: bytes, reason: QuarantineReason) -> None:
    with pytest.raises(QuarantineMail) as refusal:
        validate_inbound(raw, max_mail_bytes=1000)
    assert refusal.value.reason == reason
    assert refusal.value.detail


def test_an_envelope_whose_raw_mail_is_not_rfc5322_is_refused() -> None:
    document = json.loads(_inbound_bytes())
    document["payload"]["raw_b64"] = base64.b64encode(b"just some words, no headers").decode()
    with pytest.raises(QuarantineMail) as refusal:
        accept(validate_inbound(json.dumps(document).encode(), max_mail_bytes=1_000_000))
    assert refusal.value.reason == QuarantineReason.MIME_INVALID


def test_quarantine_copies_small_originals_and_points_at_large_ones() -> None:
    refusal = QuarantineMail(QuarantineReason.NOT_JSON, "bad")
    small = quarantine_record(refusal, raw=b"abc", headers={}, source_topic="t", partition=0, offset=7,
                              mail_id=None, copy_limit_bytes=10)
    large = quarantine_record(refusal, raw=b"x" * 11, headers={}, source_topic="t", partition=1, offset=8,
                              mail_id=None, copy_limit_bytes=10)
    assert base64.b64decode(small.original_b64 or "") == b"abc"
    assert large.original_b64 is None
    assert (large.partition, large.offset, large.original_size) == (1, 8, 11)


def test_sending_refuses_mail_without_message_id_or_recipient() -> None:
    with pytest.raises(UserError, match="Message-ID"):
        inbound_from_eml(b"From: a@b\r\nTo: c@d\r\n\r\nhi", source_id="mx", tenant="t")
    with pytest.raises(UserError, match="To address"):
        inbound_from_eml(b"From: a@b\r\nMessage-ID: <1@b>\r\n\r\nhi", source_id="mx", tenant="t")
