"""Thin subscriber: an accepted mail in; a CRM tool call, a human review, or nothing out; one run summary always."""

import time

from faststream.kafka import KafkaBroker
from faststream.opentelemetry import CurrentBaggage
from opentelemetry import trace

from services.runtime.agent import AgentDeps, AgentRunFailed, run_agent
from services.runtime.run_summary import completed_run, failed_run
from services.runtime.settings import RuntimeSettings
from shared.broker import durable_subscriber
from shared.contracts.mail import AcceptedMail
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED, REVIEW_REQUESTS, tool_requests
from shared.eval_sampling import BAGGAGE_KEY, SamplingDecision
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime")


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def register(broker: KafkaBroker, settings: RuntimeSettings, deps: AgentDeps) -> None:
    @durable_subscriber(broker, MAIL_ACCEPTED, group_id=settings.consumer_group)
    async def on_accepted_mail(mail: AcceptedMail, baggage: CurrentBaggage) -> None:
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
                await broker.publish(run.model_dump(mode="json"), AGENT_RUNS, key=key)
                raise
            if result.review is not None:
                await broker.publish(result.review.model_dump(mode="json"), REVIEW_REQUESTS, key=key)
            if result.crm_call is not None:
                await broker.publish(result.crm_call.model_dump(mode="json"), tool_requests("crm_writer"), key=key)
            run = completed_run(mail, result, sampling, span, _elapsed_ms(started), deps.max_body_chars)
            await broker.publish(run.model_dump(mode="json"), AGENT_RUNS, key=key)
