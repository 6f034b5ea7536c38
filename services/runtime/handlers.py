"""Thin subscriber: an accepted mail in; one CRM-writer tool call out, or a human review when flagged."""

from faststream.kafka import KafkaBroker
from opentelemetry import trace

from services.runtime.echo_agent import plan_echo, require_spotlighted, review_request
from services.runtime.settings import RuntimeSettings
from shared.broker import durable_subscriber
from shared.contracts.mail import AcceptedMail
from shared.contracts.topics import MAIL_ACCEPTED, REVIEW_REQUESTS, tool_requests
from shared.tracing import attributes

tracer = trace.get_tracer("mailspine.runtime")


def register(broker: KafkaBroker, settings: RuntimeSettings) -> None:
    @durable_subscriber(broker, MAIL_ACCEPTED, group_id=settings.consumer_group)
    async def on_accepted_mail(mail: AcceptedMail) -> None:
        with tracer.start_as_current_span("agent.run") as span:
            span.set_attribute(attributes.MAIL_ID, mail.mail_id)
            span.set_attribute(attributes.TENANT, mail.tenant)
            require_spotlighted(mail)
            span.set_attribute("mailspine.spotlight.verified", True)
            call = plan_echo(mail, settings.summary_chars)
            span.set_attribute(attributes.TOOL_NAME, "crm_writer")
            span.set_attribute(attributes.TOOL_CALL_ID, call.payload.call_id)
            if mail.payload.requires_human_review:
                span.set_attribute(attributes.OUTCOME, "human_review")
                review = review_request(mail, call)
                await broker.publish(review.model_dump(mode="json"), REVIEW_REQUESTS, key=mail.mail_id.encode())
                return
            span.set_attribute(attributes.OUTCOME, "tool_call")
            await broker.publish(call.model_dump(mode="json"), tool_requests("crm_writer"),
                                 key=mail.mail_id.encode())
