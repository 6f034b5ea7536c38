"""The running LMTP ingest, spoken to over LMTP and through `mailspine deliver`: replies and exit codes per case,
and a mail accepted after every refusal still reaches the CRM."""

import email
import smtplib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from services.mail_ingest.settings import MailIngestSettings
from shared.contracts.mail import mail_id_for
from shared.contracts.topics import CRM_WRITES
from shared.settings import REPO_ROOT
from tests.support.helpers import read_until, unique_mail

pytestmark = pytest.mark.usefixtures("running_services")

MAILSPINE = str(Path(sys.executable).parent / "mailspine")
SOURCE = MailIngestSettings().source_id


def _lmtp() -> smtplib.LMTP:
    settings = MailIngestSettings()
    client = smtplib.LMTP(settings.host, settings.port, timeout=60)
    client.ehlo()
    return client


def _mail_id(raw: bytes, source: str = SOURCE) -> str:
    return mail_id_for(source, email.message_from_bytes(raw)["Message-ID"])


def test_a_declared_size_over_the_limit_is_refused_at_mail_from_with_552() -> None:
    with _lmtp() as client:
        code, text = client.mail("dana@northwind.example", [f"SIZE={MailIngestSettings().max_message_bytes + 1}"])
        assert code == 552, text
        assert client.noop()[0] == 250


def test_too_much_data_is_refused_with_552_for_each_recipient() -> None:
    body = ("Line item AC-558213, EUR 418.00.\r\n" * 240_000)  # about 8 MB, over the 7 MiB limit
    raw = unique_mail(body=body)
    with _lmtp() as client:
        client.mail("dana@northwind.example")
        assert client.rcpt("support@acme.example")[0] == 250
        assert client.rcpt("billing@acme.example")[0] == 250
        replies = [client.data(raw), client.getreply()]
        assert [code for code, _ in replies] == [552, 552], replies
        assert client.noop()[0] == 250


def test_an_unknown_recipient_is_refused_with_550_and_the_others_are_delivered() -> None:
    raw = unique_mail()
    with _lmtp() as client:
        client.mail("dana@northwind.example")
        assert client.rcpt("ceo@initech.example")[0] == 550
        assert client.rcpt("support@acme.example")[0] == 250
        code, text = client.data(raw)
        assert code == 250, text
        assert _mail_id(raw).encode() in text  # the reply names the mail id, for the MTA's log
    writes = read_until(CRM_WRITES, lambda rs: _mail_id(raw) in {r.get("mail_id") for r in rs}, 60)
    assert _mail_id(raw) in {r.get("mail_id") for r in writes}


def test_a_mail_addressed_to_two_mailboxes_is_processed_once() -> None:
    raw = unique_mail()
    with _lmtp() as client:
        client.mail("dana@northwind.example")
        client.rcpt("support@acme.example")
        client.rcpt("billing@acme.example")
        assert [code for code, _ in (client.data(raw), client.getreply())] == [250, 250]
    read_until(CRM_WRITES, lambda rs: _mail_id(raw) in {r.get("mail_id") for r in rs}, 60)
    writes = read_until(CRM_WRITES, lambda _: False, 3)  # a second write would be right behind the first
    assert Counter(r.get("mail_id") for r in writes)[_mail_id(raw)] == 1


def _deliver(raw: bytes, *, mailbox: str, source: str = "test-mx") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([MAILSPINE, "deliver", "--source", source, "--mailbox", mailbox], input=raw,
                          capture_output=True, cwd=REPO_ROOT, timeout=120, check=False)


def test_the_pipe_command_delivers_and_exits_0() -> None:
    raw = unique_mail()
    done = _deliver(raw, mailbox="support@acme.example")
    assert done.returncode == 0, done.stderr.decode()
    assert _mail_id(raw, "test-mx").encode() in done.stdout
    writes = read_until(CRM_WRITES, lambda rs: _mail_id(raw, "test-mx") in {r.get("mail_id") for r in rs}, 60)
    assert _mail_id(raw, "test-mx") in {r.get("mail_id") for r in writes}


def test_the_pipe_command_exits_67_for_an_unknown_mailbox_and_65_for_an_oversize_mail() -> None:
    unknown = _deliver(unique_mail(), mailbox="ceo@initech.example")
    assert unknown.returncode == 67, unknown.stderr.decode()
    assert b"unknown_mailbox" in unknown.stderr
    oversize = _deliver(unique_mail(body="x" * (MailIngestSettings().max_message_bytes + 1)),
                        mailbox="support@acme.example")
    assert oversize.returncode == 65, oversize.stderr.decode()
    assert b"too_large" in oversize.stderr
