"""Thin subscribers: accepted mail, tool results and review decisions in; tool calls, review requests, audit
events and one run summary per run out. Each handler hands its message to the AgentRuntime and returns, so no
consumer waits for a model, a tool or a person.

``register`` declares what the runtime consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handlers their runtime through the broker's context."""

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.publisher import DefaultPublisher
from faststream.opentelemetry import CurrentBaggage
from opentelemetry import trace

from services.runtime.agent_runtime import AgentRuntime
from services.runtime.run_state import RunState
from services.runtime.settings import RuntimeSettings
from shared.broker import durable_subscriber
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.audit import AuditEvent
from shared.contracts.dead_letter import DeadLetterRecord
from shared.contracts.mail import AcceptedMail
from shared.contracts.review import ReviewDecisionMessage, ReviewRequestMessage
from shared.contracts.tool_calls import ToolCallMessage, ToolCallResultMessage
from shared.contracts.topics import (
    AGENT_RUNS,
    AUDIT_LOG,
    MAIL_ACCEPTED,
    REVIEW_DECISIONS,
    REVIEW_REQUESTS,
    TOOLS,
    dead_letter_topic,
    tool_requests,
    tool_results,
)
from shared.eval_sampling import BAGGAGE_KEY
from shared.tracing import attributes

RUNTIME = "runtime_agent"


@dataclass(frozen=True)
class RuntimePublishers:
    """The runtime's outbound side; it is also the runs' RunOutbound port."""

    runs: DefaultPublisher
    reviews: DefaultPublisher
    audit_log: DefaultPublisher
    failed_mail: DefaultPublisher
    tool_calls: dict[str, DefaultPublisher]
    consumer_group: str

    async def tool_call(self, service: str, message: ToolCallMessage) -> None:
        await self.tool_calls[service].publish(message.model_dump(mode="json"), key=message.mail_id.encode())

    async def audit(self, events: Sequence[AuditEvent]) -> None:
        """Sends the events in order without waiting for each acknowledgement (a chain's events share a key, hence
        a partition, and the idempotent producer keeps their order), then waits for all: one broker round trip
        per step of a run, not one per event."""
        sent: list[asyncio.Future[Any] | None] = [
            await self.audit_log.publish(event.model_dump(mode="json"), key=event.chain_id.encode(), no_confirm=True)
            for event in events]
        await asyncio.gather(*(each for each in sent if each is not None))  # a test broker confirms at once

    async def review(self, message: ReviewRequestMessage) -> None:
        await self.reviews.publish(message.model_dump(mode="json"), key=message.mail_id.encode())

    async def summary(self, message: AgentRunMessage) -> None:
        await self.runs.publish(message.model_dump(mode="json"), key=message.mail_id.encode())

    async def dead_letter(self, state: RunState, error_type: str, error: str) -> None:
        """A mail whose run failed goes where the consumer would have dead-lettered it, with its position."""
        topic, partition, offset = state.source or (MAIL_ACCEPTED, -1, -1)
        original = state.mail.model_dump_json().encode()
        letter = DeadLetterRecord(source_topic=topic, partition=partition, offset=offset,
                                  consumer_group=self.consumer_group, error_type=error_type, error=error[:4000],
                                  attempts=1, original_headers={}, original_b64=base64.b64encode(original).decode(),
                                  original_size=len(original), failed_at=datetime.now(UTC))
        await self.failed_mail.publish(letter.model_dump(mode="json"), key=state.mail_id.encode(),
                                       headers={"mailspine-error-type": error_type})


def provide(broker: KafkaBroker, runtime: AgentRuntime) -> None:
    broker.context.set_global(RUNTIME, runtime)


def register(broker: KafkaBroker, settings: RuntimeSettings) -> RuntimePublishers:
    service = settings.service_name
    publishers = RuntimePublishers(
        runs=broker.publisher(AGENT_RUNS, schema=AgentRunMessage, title=f"{AGENT_RUNS}:{service}",
                              description="One summary per run when it ends, failed runs included; key = mail id."),
        reviews=broker.publisher(REVIEW_REQUESTS, schema=ReviewRequestMessage, title=f"{REVIEW_REQUESTS}:{service}",
                                 description="The calls a person must approve, edit or reject; key = mail id."),
        audit_log=broker.publisher(AUDIT_LOG, schema=AuditEvent, title=f"{AUDIT_LOG}:{service}",
                                   description="Each run's hash chain: proposals, verdicts, approvals, executions "
                                               "and results; key = the chain id."),
        failed_mail=broker.publisher(dead_letter_topic(MAIL_ACCEPTED), schema=DeadLetterRecord,
                                     title=f"{dead_letter_topic(MAIL_ACCEPTED)}:{service}-runs",
                                     description="A mail whose run found no valid extraction; key = mail id."),
        tool_calls={tool: broker.publisher(tool_requests(tool), schema=ToolCallMessage,
                                           title=f"{tool_requests(tool)}:{service}",
                                           description="One tool call of a run; key = mail id.")
                    for tool in TOOLS},
        consumer_group=settings.consumer_group,
    )

    # the runtime's broker commits offsets in the background (CoalescedCommits): a handler returns once its work
    # is durable, and no consumer waits for a commit round trip per message
    @durable_subscriber(broker, MAIL_ACCEPTED, group_id=settings.consumer_group, ack_policy=AckPolicy.MANUAL)
    async def on_accepted_mail(mail: AcceptedMail, message: KafkaMessage, baggage: CurrentBaggage,
                               runtime: Annotated[AgentRuntime, Context(RUNTIME)]) -> None:
        """Records the run durably and starts it; returns once recorded (or when the runtime has room)."""
        record = message.raw_message
        span = trace.get_current_span()
        span.set_attributes({attributes.MAIL_ID: mail.mail_id, attributes.TENANT: mail.tenant})
        # the gateway decided whether this mail is sampled for evaluation; the runtime only reads it
        await runtime.accept(mail, source=(record.topic, record.partition, record.offset),  # type: ignore[union-attr]
                             sampling=baggage.get(BAGGAGE_KEY))

    @durable_subscriber(broker, *(tool_results(tool) for tool in TOOLS), group_id=settings.results_group,
                        ack_policy=AckPolicy.MANUAL)
    async def on_tool_result(result: ToolCallResultMessage,
                             runtime: Annotated[AgentRuntime, Context(RUNTIME)]) -> None:
        """Hands a result to its run by call id; a result no run asked for is dead-lettered."""
        trace.get_current_span().set_attributes({attributes.TOOL_CALL_ID: result.payload.call_id,
                                                 attributes.MAIL_ID: result.mail_id})
        await runtime.take_result(result.payload)

    @durable_subscriber(broker, REVIEW_DECISIONS, group_id=settings.decisions_group,
                        ack_policy=AckPolicy.MANUAL)
    async def on_review_decision(decision: ReviewDecisionMessage,
                                 runtime: Annotated[AgentRuntime, Context(RUNTIME)]) -> None:
        """Resumes a paused run with a person's decision; a decision that does not fit is refused (audited)."""
        trace.get_current_span().set_attribute(attributes.MAIL_ID, decision.mail_id)
        await runtime.take_decision(decision)

    return publishers
