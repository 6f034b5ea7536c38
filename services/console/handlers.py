"""The console's Kafka side, as principal ``review-dashboard``: review requests, accepted mails, audit events and
eval scores in (kept in Redis under ``console:``), review decisions and their audit events out.

``register`` declares what the console consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handler its dependencies through the broker's context."""

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from aiokafka import ConsumerRecord
from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace
from pydantic import ValidationError

from services.console.mail.audit_store import AuditStore
from services.console.mail.mail_index import MailIndex
from services.console.review.queue_store import ReviewQueue
from services.console.settings import ConsoleSettings
from shared.broker import durable_subscriber
from shared.contracts.audit import AuditEvent
from shared.contracts.review import ReviewDecisionMessage, ReviewRequestMessage
from shared.contracts.topics import AUDIT_LOG, EVAL_SCORES, MAIL_ACCEPTED, REVIEW_DECISIONS, REVIEW_REQUESTS

logger = logging.getLogger("mailspine.console")
DEPS = "console_deps"


@dataclass(frozen=True)
class ConsolePublishers:
    decisions: DefaultPublisher
    audit: DefaultPublisher


@dataclass(frozen=True)
class ConsoleFeeds:
    queue: ReviewQueue
    mails: MailIndex
    audit: AuditStore


def provide(broker: KafkaBroker, feeds: ConsoleFeeds) -> None:
    broker.context.set_global(DEPS, feeds)


async def _keep(topic: str, raw: dict[str, Any], feeds: ConsoleFeeds) -> None:
    if topic == REVIEW_REQUESTS:
        await feeds.queue.add(ReviewRequestMessage.model_validate(raw))
    elif topic == MAIL_ACCEPTED:
        context = trace.get_current_span().get_span_context()  # the consume span continues the mail's trace
        await feeds.mails.record_accepted(raw, format(context.trace_id, "032x") if context.is_valid else None)
    elif topic == AUDIT_LOG:
        await feeds.audit.record(AuditEvent.model_validate(raw))
    elif topic == EVAL_SCORES:
        await feeds.mails.record_score(raw)


def register(broker: KafkaBroker, settings: ConsoleSettings) -> ConsolePublishers:
    publishers = ConsolePublishers(
        decisions=broker.publisher(REVIEW_DECISIONS, schema=ReviewDecisionMessage,
                                   title=f"{REVIEW_DECISIONS}:console",
                                   description="A reviewer's approve, edit (with the corrected facts) or reject; "
                                               "key = mail id."),
        audit=broker.publisher(AUDIT_LOG, schema=AuditEvent, title=f"{AUDIT_LOG}:console",
                               description="Each review decision and each claim, with who; key = the chain id."),
    )

    # one consumer (one group member) for the four feeds; each message keeps its topic's contract
    @durable_subscriber(broker, REVIEW_REQUESTS, MAIL_ACCEPTED, AUDIT_LOG, EVAL_SCORES,
                        group_id=settings.consumer_group)
    async def on_feed(raw: dict[str, Any], message: KafkaMessage,
                      feeds: Annotated[ConsoleFeeds, Context(DEPS)]) -> None:
        """Keeps what the console's pages show; a message that breaks its contract is logged and skipped (the
        console is a reader: a bad record must not stop the queue)."""
        record: ConsumerRecord = message.raw_message  # one record: this is not a batch subscriber
        topic = record.topic
        try:
            await _keep(topic, raw, feeds)
        except (ValidationError, KeyError, TypeError) as broken:
            logger.warning("skipped a record on %s that breaks its contract: %s", topic, broken)

    return publishers
