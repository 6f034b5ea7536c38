"""A real Postfix delivering to the LMTP ingest: a mail sent to Postfix over SMTP is processed in one trace;
refusals reach Postfix as bounces; with Kafka down Postfix keeps the mail and delivers it once later."""

import email
import re
import smtplib
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cli.trace_story import JaegerQuery, Span
from infra.servers.kafka import KafkaServer
from services.mail_ingest.settings import MailIngestSettings
from shared.contracts.mail import mail_id_for
from shared.contracts.topics import AUDIT_LOG, CRM_WRITES, MAIL_INBOUND, MAIL_QUARANTINE
from shared.settings import REPO_ROOT, PathSettings
from tests.support.helpers import read_until, unique_mail, wait_for
from tests.support.postfix import PostfixInstance

pytestmark = pytest.mark.usefixtures("running_services")

MAILSPINE = str(Path(sys.executable).parent / "mailspine")
INGEST = MailIngestSettings()


@pytest.fixture(scope="module")
def postfix() -> Iterator[PostfixInstance]:
    # acme.example holds the ingest source's mailboxes; globex.example's support box is not one of them
    instance = PostfixInstance(PathSettings().home / "postfix", smtp_port=INGEST.port + 1, lmtp_port=INGEST.port,
                               relay_domains=["acme.example", "globex.example"])
    instance.start()
    try:
        yield instance
    finally:
        instance.stop()


def _send(postfix: PostfixInstance, raw: bytes, recipient: str) -> str:
    """Submit over SMTP; returns the mail id the ingest will give it."""
    with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=30) as client:
        client.sendmail("dana@northwind.example", [recipient], raw)
    return mail_id_for(INGEST.source_id, email.message_from_bytes(raw)["Message-ID"])


def _log_line(postfix: PostfixInstance, recipient: str, status: str, timeout: float = 60) -> str:
    """The Postfix log line reporting ``status`` for ``recipient`` (sent, deferred, bounced)."""
    pattern = re.compile(rf"to=<{re.escape(recipient)}>.*status={status} .*")

    def found() -> str:
        match = pattern.search(postfix.log())
        return match.group(0) if match else ""

    line: str = wait_for(found, timeout=timeout)
    assert line, f"no status={status} for {recipient} in {postfix.log_file}:\n{postfix.log()[-3000:]}"
    return line


def _ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        chain.append(span)
    return chain


def test_a_mail_sent_to_postfix_is_processed_by_the_pipeline_in_one_trace(postfix: PostfixInstance) -> None:
    raw = unique_mail()
    mail_id = _send(postfix, raw, "support@acme.example")
    sent = _log_line(postfix, "support@acme.example", "sent")
    assert f"as {mail_id}" in sent  # the ingest's 250 names the mail id

    read_until(CRM_WRITES, lambda rs: mail_id in {r.get("mail_id") for r in rs}, 60)
    writes = read_until(CRM_WRITES, lambda _: False, 3)
    assert Counter(r.get("mail_id") for r in writes)[mail_id] == 1

    jaeger = JaegerQuery()

    def complete_trace() -> list[Span]:
        trace_ids = jaeger.find_trace_ids(mail_id, service="mail-ingest", lookback=timedelta(minutes=10))
        if len(trace_ids) != 1:
            return []
        spans = jaeger.trace(trace_ids[0])
        return spans if any(s.service == "tool-crm-writer" and s.name == f"{CRM_WRITES} publish"
                            for s in spans) else []

    spans = wait_for(complete_trace, timeout=30)
    assert spans, "no single trace from the ingest to the CRM write in Jaeger"
    assert {s.service for s in spans} >= {"mail-ingest", "gateway", "runtime", "tool-crm-writer"}
    by_id = {s.span_id: s for s in spans}
    gateway = next(s for s in spans if s.service == "gateway" and s.name.endswith("process"))
    delivery = [a for a in _ancestors(gateway, by_id) if a.service == "mail-ingest"]
    # the record's span (FastStream names it "<topic> create"), under the delivery's span
    assert len(delivery) == 2 and delivery[0].name.startswith(MAIL_INBOUND) and delivery[1].name == "mail deliver"
    assert delivery[-1].attributes.get("mailspine.mail.id") == mail_id
    assert delivery[-1].attributes.get("mailspine.delivery.via") == "lmtp"


def test_an_unknown_recipient_is_bounced_with_the_ingests_550(postfix: PostfixInstance) -> None:
    _send(postfix, unique_mail(), "support@globex.example")
    bounced = _log_line(postfix, "support@globex.example", "bounced")
    assert "said: 550 5.1.1" in bounced, bounced


def test_an_oversize_mail_is_bounced_by_the_size_the_ingest_announces(postfix: PostfixInstance) -> None:
    body = "Line item AC-558213, EUR 418.00.\r\n" * 240_000  # about 8 MB: Postfix takes it, the ingest does not
    _send(postfix, unique_mail(body=body), "sales@acme.example")
    bounced = _log_line(postfix, "sales@acme.example", "bounced")
    # Postfix reads SIZE from the ingest's LHLO reply and bounces (5.3.4) before it sends the message; a client that
    # sends anyway gets 552 (tests/e2e/test_lmtp_ingest.py)
    assert "dsn=5.3.4" in bounced and f"exceeds size limit {INGEST.max_message_bytes}" in bounced, bounced


def test_with_kafka_stopped_postfix_keeps_the_mail_and_delivers_it_once_after_kafka_starts(
        postfix: PostfixInstance) -> None:
    kafka = KafkaServer()
    assert kafka.status().owner == "mailspine", "this test stops Kafka, so it must be the one this checkout started"
    raw = unique_mail()
    assert kafka.stop()
    try:
        mail_id = _send(postfix, raw, "billing@acme.example")
        deferred = _log_line(postfix, "billing@acme.example", "deferred", timeout=INGEST.publish_timeout_seconds + 60)
        assert "said: 451 4.3.0" in deferred, deferred
        queued = [q for q in postfix.queue() if "billing@acme.example" in q.recipients]
        assert len(queued) == 1 and "451" in queued[0].reasons[0], postfix.queue()
        # the pipe command says the same to an MTA that uses it: try again later
        piped = subprocess.run([MAILSPINE, "deliver", "--source", "test-mx", "--mailbox", "billing@acme.example"],
                               input=unique_mail(), capture_output=True, cwd=REPO_ROOT, timeout=120, check=False)
        assert piped.returncode == 75, piped.stderr.decode()
    finally:
        assert kafka.start() == "started"

    postfix.flush()
    _log_line(postfix, "billing@acme.example", "sent", timeout=120)
    assert not [q for q in postfix.queue() if "billing@acme.example" in q.recipients]
    read_until(CRM_WRITES, lambda rs: mail_id in {r.get("mail_id") for r in rs}, 120)
    writes = read_until(CRM_WRITES, lambda _: False, 5)
    assert Counter(r.get("mail_id") for r in writes)[mail_id] == 1

    # every record that reached the topic (the one Kafka took late from the ingest's buffer, if any, and the
    # retry's) is either the one processed or a duplicate the gateway recorded; none is quarantined as a replay
    published = [r for r in read_until(MAIL_INBOUND, lambda _: False, 10) if r.get("mail_id") == mail_id]
    assert published

    def duplicates_recorded(events: list[dict]) -> bool:
        ours = [e for e in events if e.get("mail_id") == mail_id and e.get("action") == "gateway.duplicate"]
        return len(ours) >= len(published) - 1

    events = read_until(AUDIT_LOG, duplicates_recorded, 30)
    actions = Counter(e.get("action") for e in events if e.get("mail_id") == mail_id)
    assert actions["gateway.accepted"] == 1 and actions["gateway.duplicate"] == len(published) - 1, actions
    quarantined = read_until(MAIL_QUARANTINE, lambda _: False, 3)
    assert mail_id not in {r.get("mail_id") for r in quarantined}
