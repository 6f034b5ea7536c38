import base64
import json
from pathlib import Path

import pytest

from services.gateway.inbound import validate_inbound
from services.gateway.quarantine import quarantine_record
from shared.contracts.mail import QuarantineReason
from shared.errors import QuarantineMail, UserError
from shared.mail_publisher import inbound_from_eml, read_eml

EML = (
    b"From: Dana <dana@northwind.example>\r\nTo: support@acme.example\r\nSubject: Refund AC-558213\r\n"
    b"Message-ID: <r1@northwind.example>\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease refund EUR 418.00.\r\n"
    b"--b\r\nContent-Type: text/html\r\n\r\n<p>HTML version</p>\r\n--b--\r\n"
)


def _inbound_bytes(raw: bytes = EML) -> bytes:
    return inbound_from_eml(raw, source_id="mx", tenant="acme").model_dump_json().encode()


def test_a_valid_envelope_passes_the_first_look() -> None:
    inbound = validate_inbound(_inbound_bytes(), max_mail_bytes=1_000_000)
    assert inbound.tenant == "acme"
    assert inbound.payload.mailbox == "support@acme.example"
    assert inbound.payload.message_id == "<r1@northwind.example>"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe not json", QuarantineReason.INVALID_ENCODING),
        (b'{"tenant": "\xc3\x28"}', QuarantineReason.INVALID_ENCODING),
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


def test_a_replayed_sample_gets_a_new_message_id_and_so_a_new_mail_id(tmp_path: Path) -> None:
    sample = tmp_path / "sample.eml"
    sample.write_bytes(EML)
    original = read_eml(sample, source_id="mx", tenant="acme")
    replayed = read_eml(sample, source_id="mx", tenant="acme", message_id_suffix=".replay-1")
    assert replayed.payload.message_id == "<r1.replay-1@northwind.example>"
    assert replayed.mail_id != original.mail_id
    assert base64.b64decode(replayed.payload.raw_b64).count(b"Message-ID: <r1.replay-1@northwind.example>") == 1
