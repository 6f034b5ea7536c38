"""Thin subscriber: an accepted mail in; a CRM tool call, a human review, or nothing out; one run summary always."""

import time

from faststream.kafka import KafkaBroker
from opentelemetry import trace

from services.runtime.agent import AgentDeps, run_agent
from services.runtime.settings import RuntimeSettings
from shared.broker import durable_subscriber
from shared.contracts.agent_run import AgentRun, AgentRunMessage
from shared.contracts.mail import AcceptedMail
from shared.contracts.topics import AGENT_RUNS, MAIL_ACCEPTED, REVIEW_REQUESTS, tool_requests
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime")


def register(broker: KafkaBroker, settings: RuntimeSettings, deps: AgentDeps) -> None:
    @durable_subscriber(broker, MAIL_ACCEPTED, group_id=settings.consumer_group)
    async def on_accepted_mail(mail: AcceptedMail) -> None:
        with tracer.start_as_current_span("agent.run") as span:
            span.set_attribute(attributes.MAIL_ID, mail.mail_id)
            span.set_attribute(attributes.TENANT, mail.tenant)
            started = time.perf_counter()
            result = await run_agent(mail, deps)
            key = mail.mail_id.encode()
            if result.review is not None:
                await broker.publish(result.review.model_dump(mode="json"), REVIEW_REQUESTS, key=key)
            if result.crm_call is not None:
                await broker.publish(result.crm_call.model_dump(mode="json"), tool_requests("crm_writer"), key=key)
            facts = result.extraction.extraction
            summary = AgentRun(
                trace_id=format(span.get_span_context().trace_id, "032x"), prompts=[result.prompt],
                model=result.extraction.model, input_tokens=result.extraction.input_tokens,
                output_tokens=result.extraction.output_tokens,
                latency_ms=round((time.perf_counter() - started) * 1000, 2), outcome=str(result.decision.route),
                intent=str(facts.intent), crm_action=str(result.decision.action), high_stakes=facts.high_stakes)
            run = AgentRunMessage(tenant=mail.tenant, mail_id=mail.mail_id, payload=summary)
            await broker.publish(run.model_dump(mode="json"), AGENT_RUNS, key=key)
