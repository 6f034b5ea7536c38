"""Thin subscriber: an accepted mail in; a CRM tool call, a human review, or nothing out; one run summary always.

``register`` declares what the runtime consumes and publishes (the AsyncAPI document is generated from it);
``provide`` hands the handler its dependencies through the broker's context."""

import time
from dataclasses import dataclass
from typing import Annotated

from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher
from faststream.opentelemetry import CurrentBaggage
from opentelemetry import trace

from services.runtime.agent import AgentDeps, AgentRunFailed, run_agent
from services.runtime.run_summary import completed_run, failed_run
from services.runtime.settings import RuntimeSettings
from shared.broker import durable_subscriber
from shared.contracts.agent_run import AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.contracts.review import ReviewRequestMessage
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED, REVIEW_REQUESTS, tool_requests
from shared.eval_sampling import BAGGAGE_KEY, SamplingDecision
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime")

DEPS = "runtime_deps"
CRM_WRITER_REQUESTS = tool_requests("crm_writer")


@dataclass(frozen=True)
class RuntimePublishers:
    runs: DefaultPublisher
    reviews: DefaultPublisher
    crm_calls: DefaultPublisher


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def provide(broker: KafkaBroker, deps: AgentDeps) -> None:
    broker.context.set_global(DEPS, deps)


def register(broker: KafkaBroker, settings: RuntimeSettings) -> RuntimePublishers:
    service = settings.service_name
    publishers = RuntimePublishers(
        runs=broker.publisher(AGENT_RUNS, schema=AgentRunMessage, title=f"{AGENT_RUNS}:{service}",
                              description="One summary per run, failed runs included; key = mail id."),
        reviews=broker.publisher(REVIEW_REQUESTS, schema=ReviewRequestMessage, title=f"{REVIEW_REQUESTS}:{service}",
                                 description="A proposed action a person must approve, edit or reject; key = mail id."),
        crm_calls=broker.publisher(CRM_WRITER_REQUESTS, schema=ToolCallMessage,
                                   title=f"{CRM_WRITER_REQUESTS}:{service}",
                                   description="One CRM-writer tool call the agent decided on, approved for its "
                                               "exact arguments; key = mail id."),
    )

    @durable_subscriber(broker, MAIL_ACCEPTED, group_id=settings.consumer_group)
    async def on_accepted_mail(mail: AcceptedMail, baggage: CurrentBaggage,
                               deps: Annotated[AgentDeps, Context(DEPS)]) -> None:
        """Runs the agent on one accepted mail; a mail without a valid extraction is dead-lettered."""
        # the gateway decided whether this mail is sampled for evaluation; the runtime only reads it
        sampling = SamplingDecision.from_baggage(baggage.get(BAGGAGE_KEY))
        with tracer.start_as_current_span("agent.run") as span:
            span.set_attribute(attributes.MAIL_ID, mail.mail_id)
            span.set_attribute(attributes.TENANT, mail.tenant)
            started = time.perf_counter()
            key = mail.mail_id.encode()
            try:
                result = await run_agent(mail, deps)
            except AgentRunFailed as failed:
                run = failed_run(mail, failed, sampling, span, _elapsed_ms(started), deps.max_body_chars)
                await publishers.runs.publish(run.model_dump(mode="json"), key=key)
                raise
            if result.review is not None:
                await publishers.reviews.publish(result.review.model_dump(mode="json"), key=key)
            if result.crm_call is not None:
                await publishers.crm_calls.publish(result.crm_call.model_dump(mode="json"), key=key)
            run = completed_run(mail, result, sampling, span, _elapsed_ms(started), deps.max_body_chars)
            await publishers.runs.publish(run.model_dump(mode="json"), key=key)

    return publishers
