"""Bad input on mail.inbound.v1 is quarantined with its reason, poison on later topics (and a tool result no run
asked for) is dead-lettered, and the services keep consuming."""

import asyncio
import base64
import hashlib
import json
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from infra.kafka_acls import ADMIN
from shared.contracts.mail import QuarantineReason
from shared.contracts.tool_calls import ToolCallResult, ToolCallResultMessage
from shared.contracts.topics import (
    CRM_WRITES,
    MAIL_ACCEPTED,
    MAIL_INBOUND,
    MAIL_QUARANTINE,
    dead_letter_topic,
    tool_results,
)
from shared.settings import KafkaSettings
from tests.support.eval_helpers import publish_as
from tests.support.helpers import read_until, send_mails

pytestmark = pytest.mark.usefixtures("running_services")

TWENTY_MB = 20 * 1024 * 1024


async def _publish_raw(topic: str, values: list[bytes]) -> None:
    kafka = KafkaSettings.for_principal(ADMIN)
    producer = AIOKafkaProducer(**kafka.client_options(), max_request_size=kafka.max_message_bytes)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, headers=[("x-test", b"bad-input")])
    finally:
        await producer.stop()


def test_not_json_wrong_schema_and_20_mb_are_quarantined_and_the_gateway_keeps_consuming() -> None:
    marker = hashlib.sha256(str(id(object())).encode()).hexdigest()[:12]
    bad = {
        QuarantineReason.NOT_JSON: f"this is not json {marker}".encode(),
        QuarantineReason.SCHEMA_INVALID: json.dumps({"tenant": "acme", "note": marker}).encode(),
        QuarantineReason.OVERSIZE: json.dumps({"tenant": "acme", "pad": marker + "x" * TWENTY_MB}).encode(),
    }
    assert len(bad[QuarantineReason.OVERSIZE]) > TWENTY_MB
    asyncio.run(_publish_raw(MAIL_INBOUND, list(bad.values())))
    [good] = send_mails(1)  # sent after the bad ones: it can only arrive if the gateway moved past them

    digests = {hashlib.sha256(value).hexdigest(): reason for reason, value in bad.items()}
    quarantined = read_until(
        MAIL_QUARANTINE,
        lambda records: set(digests) <= {r.get("original_sha256") for r in records},
        timeout=60,
    )
    found = {r["original_sha256"]: r for r in quarantined if r.get("original_sha256") in digests}
    assert set(found) == set(digests)
    for digest, reason in digests.items():
        assert found[digest]["reason"] == reason
        assert found[digest]["detail"]
        assert found[digest]["source_topic"] == MAIL_INBOUND
        assert found[digest]["original_headers"]["x-test"] == "bad-input"
    oversize = next(r for r in found.values() if r["reason"] == QuarantineReason.OVERSIZE)
    assert oversize["original_b64"] is None and oversize["original_size"] > TWENTY_MB
    not_json = next(r for r in found.values() if r["reason"] == QuarantineReason.NOT_JSON)
    assert not_json["original_b64"]

    writes = read_until(CRM_WRITES, lambda records: any(r.get("mail_id") == good.mail_id for r in records), 60)
    assert any(r.get("mail_id") == good.mail_id for r in writes)


def test_poison_on_an_internal_topic_is_dead_lettered_and_the_runtime_keeps_consuming() -> None:
    marker = hashlib.sha256(str(id(object())).encode()).hexdigest()[:12]
    poison = json.dumps({"tenant": "acme", "mail_id": f"poison-{marker}", "payload": {"nope": True}}).encode()
    asyncio.run(_publish_raw(MAIL_ACCEPTED, [poison]))
    [good] = send_mails(1)

    dlq = dead_letter_topic(MAIL_ACCEPTED)
    letters = read_until(dlq, lambda records: any(marker in _original(r) for r in records), timeout=60)
    # the history indexer reads mail.accepted.v1 too and dead-letters the same record under its own group
    ours = [r for r in letters if marker in _original(r) and r["consumer_group"] == "runtime"]
    assert len(ours) == 1
    assert ours[0]["source_topic"] == MAIL_ACCEPTED
    assert ours[0]["consumer_group"] == "runtime"
    assert ours[0]["error_type"] and ours[0]["error"]
    assert ours[0]["original_headers"]["x-test"] == "bad-input"

    writes = read_until(CRM_WRITES, lambda records: any(r.get("mail_id") == good.mail_id for r in records), 60)
    assert any(r.get("mail_id") == good.mail_id for r in writes)


def test_a_result_for_an_unknown_call_id_is_dead_lettered_with_its_reason_and_the_runtime_keeps_serving() -> None:
    call_id = f"call-unknown-{uuid.uuid4().hex[:12]}"
    stray = ToolCallResultMessage(tenant="acme", mail_id=f"m-{call_id}", payload=ToolCallResult(
        call_id=call_id, run_id="run-nobody", tool="history", status="ok", output={"found": False}))
    # published as the history tool would: a real tool's principal, a well-formed result no run asked for
    publish_as("tool-history", tool_results("history"), stray.model_dump(mode="json"), stray.mail_id)
    [good] = send_mails(1)

    dlq = dead_letter_topic(tool_results("history"))
    letters = read_until(dlq, lambda records: any(call_id in r.get("error", "") for r in records), timeout=60)
    [letter] = [r for r in letters if call_id in r.get("error", "")]
    assert f"no run asked for call {call_id}" in letter["error"]
    assert (letter["source_topic"], letter["consumer_group"]) == (tool_results("history"), "runtime")

    writes = read_until(CRM_WRITES, lambda records: any(r.get("mail_id") == good.mail_id for r in records), 120)
    assert any(r.get("mail_id") == good.mail_id for r in writes)


def _original(letter: dict) -> str:
    return base64.b64decode(letter.get("original_b64") or "").decode(errors="replace")
