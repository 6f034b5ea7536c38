"""Mails sent before a broker restart are all delivered to the CRM topic, none of them twice."""

from collections import Counter

import pytest

from infra.servers.kafka import KafkaServer
from shared.contracts.topics import CRM_WRITES
from tests.support.helpers import read_until, send_mails

pytestmark = pytest.mark.usefixtures("running_services")

MAILS = 60


def test_mails_sent_before_a_broker_restart_are_all_written_once() -> None:
    kafka = KafkaServer()
    assert kafka.status().owner == "mailspine", "this test restarts Kafka, so it must be the one this checkout started"
    mails = send_mails(MAILS)
    wanted = {mail.mail_id for mail in mails}

    # stop while the pipeline is still working through them, then start the same broker on the same log dir
    assert kafka.stop()
    assert kafka.start() == "started"

    writes = read_until(CRM_WRITES, lambda records: wanted <= {r.get("mail_id") for r in records}, timeout=180)
    # give a late duplicate the chance to show up before counting
    writes = read_until(CRM_WRITES, lambda _: False, timeout=5)
    per_mail = Counter(r.get("mail_id") for r in writes if r.get("mail_id") in wanted)
    per_key = Counter(r["payload"]["idempotency_key"] for r in writes if r.get("mail_id") in wanted)
    assert set(per_mail) == wanted, f"lost: {sorted(wanted - set(per_mail))}"
    assert max(per_mail.values()) == 1, {m: n for m, n in per_mail.items() if n > 1}
    assert max(per_key.values()) == 1
