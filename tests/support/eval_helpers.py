"""Helpers for the online-evaluation tests: realistic mails from the golden dataset, addressed to a tenant's
mailbox with fresh Message-IDs (so each send is a new mail), and the evaluator's tokens."""

import asyncio
import json
import uuid
from email import message_from_bytes, policy
from typing import Any

import yaml
from aiokafka import AIOKafkaProducer

from offline_eval.golden_mail import rfc5322
from services.evaluator.settings import EvaluatorSettings
from shared.contracts.eval_score import score_id
from shared.contracts.mail import InboundMail
from shared.contracts.topics import AGENT_RUNS, EVAL_SCORES
from shared.golden import load_golden
from shared.mail_publisher import inbound_from_eml, publish_inbound
from shared.settings import KafkaSettings
from tests.support.helpers import read_until

MAILBOXES = {"acme": "support@acme.example", "globex": "support@globex.example"}


def golden_inbound(tenant: str, count: int, source_id: str = "test-mx") -> list[InboundMail]:
    """``count`` golden mails (cycling, injection mails left out) as fresh deliveries to ``tenant``."""
    rows = [row for row in load_golden("all") if row.labels.attack is None]
    mails = []
    for i in range(count):
        message = message_from_bytes(rfc5322(rows[i % len(rows)]), policy=policy.default)
        message.replace_header("To", MAILBOXES[tenant])
        message.replace_header("Message-ID", f"<{uuid.uuid4().hex}@eval-test.mailspine.example>")
        mails.append(inbound_from_eml(message.as_bytes(), source_id=source_id, tenant=tenant))
    return mails


def send(mails: list[InboundMail]) -> None:
    asyncio.run(publish_inbound(mails))


def feedback_token() -> str:
    tokens = yaml.safe_load(EvaluatorSettings().tokens_file.read_text(encoding="utf-8"))["tokens"]
    token: str = next(token for token, entry in tokens.items() if "feedback" in entry["roles"])
    return token


def publish_as(principal: str, topic: str, value: dict[str, Any], key: str) -> None:
    """Publish as one Kafka principal (the CRM connector, the review dashboard), as that component would."""

    async def send_one() -> None:
        producer = AIOKafkaProducer(**KafkaSettings.for_principal(principal).client_options())
        await producer.start()
        try:
            await producer.send_and_wait(topic, json.dumps(value).encode(), key=key.encode())
        finally:
            await producer.stop()

    asyncio.run(send_one())


def scores_of(mail_id: str, metrics: set[str], timeout: float = 60) -> dict[str, dict[str, Any]]:
    """The eval.scores.v1 payloads for ``mail_id``, by metric, once every one of ``metrics`` is there."""

    def found(records: list[dict[str, Any]]) -> set[str]:
        return {r["payload"]["metric"] for r in records if r.get("mail_id") == mail_id}

    records = read_until(EVAL_SCORES, lambda rs: metrics <= found(rs), timeout)
    return {r["payload"]["metric"]: r["payload"] for r in records if r.get("mail_id") == mail_id}


def score_of_origin(mail_id: str, metric: str, origin: str, timeout: float = 60) -> dict[str, Any]:
    """The one eval.scores.v1 payload of ``metric`` for ``mail_id`` from ``origin`` (e.g. ``ack:<idempotency key>``):
    a mail can have several scores of one metric (the CRM stand-in's ack and a test's own)."""
    wanted = score_id(metric, mail_id, origin)
    records = read_until(EVAL_SCORES, lambda rs: any(r["payload"]["score_id"] == wanted for r in rs), timeout)
    return next(r["payload"] for r in records if r["payload"]["score_id"] == wanted)


def run_of(mail_id: str, timeout: float = 60) -> dict[str, Any]:
    runs = read_until(AGENT_RUNS, lambda rs: any(r.get("mail_id") == mail_id for r in rs), timeout)
    return next(r for r in runs if r.get("mail_id") == mail_id)
