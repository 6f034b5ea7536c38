"""Declares a tool service on the broker: it consumes ``tool.<tool>.requests.v1`` (ToolCallMessage) and answers
each call on ``tool.<tool>.results.v1`` (ToolCallResultMessage, key = mail id), one ``execute_tool`` span per call.

A message that is not a ToolCallMessage, or whose arguments do not fit the tool's schema, is dead-lettered with
its reason by the broker's dead-letter routing, and the tool goes on with the next call.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace

from shared.broker import durable_subscriber
from shared.contracts.tool_calls import ToolCallMessage, ToolCallResultMessage
from shared.contracts.topics import tool_requests, tool_results
from shared.tool_service.definition import ToolDefinition
from shared.tool_service.execution import ToolServiceDeps, execute_call
from shared.tracing import attributes

DEPS = "tool_service_deps"
RATE_LIMIT_WAIT_MS = "mailspine.tool.rate_limit_wait_ms"
TOOL_CALL_STATUS = "mailspine.tool.status"
TOOL_CALL_DUPLICATE = "mailspine.tool.duplicate"
EXECUTE_TOOL = "execute_tool"

tracer = trace.get_tracer("mailspine.tool_service")


@dataclass(frozen=True)
class ToolPublishers:
    results: DefaultPublisher


def provide_tool(broker: KafkaBroker, deps: ToolServiceDeps[Any]) -> None:
    broker.context.set_global(DEPS, deps)


def register_tool(broker: KafkaBroker, definition: ToolDefinition[Any]) -> ToolPublishers:
    requests, results = tool_requests(definition.tool), tool_results(definition.tool)
    service = definition.service_name
    publishers = ToolPublishers(
        results=broker.publisher(results, schema=ToolCallResultMessage, title=f"{results}:{service}",
                                 description=f"The result of each {definition.tool} call, correlated by call id; "
                                             "key = mail id."),
    )

    @durable_subscriber(broker, requests, group_id=definition.consumer_group,
                        title=f"{requests}:{service}", description=definition.description or None)
    async def on_tool_call(message: ToolCallMessage, deps: Annotated[ToolServiceDeps[Any], Context(DEPS)]) -> None:
        call = message.payload
        with tracer.start_as_current_span(f"{EXECUTE_TOOL} {definition.tool}") as span:
            span.set_attributes({attributes.GEN_AI_OPERATION_NAME: EXECUTE_TOOL,
                                 attributes.TOOL_NAME: definition.tool,
                                 attributes.TOOL_CALL_ID: call.call_id,
                                 attributes.MAIL_ID: message.mail_id,
                                 attributes.TENANT: message.tenant,
                                 "mailspine.run.id": call.run_id})
            execution = await execute_call(definition, deps, message)
            result = execution.result
            span.set_attributes({RATE_LIMIT_WAIT_MS: execution.rate_limit_wait_ms,
                                 TOOL_CALL_STATUS: str(result.status),
                                 TOOL_CALL_DUPLICATE: result.duplicate,
                                 attributes.OUTCOME: str(result.status)})
            if result.reason:
                span.set_attribute("mailspine.tool.reason", result.reason[:500])
            answer = ToolCallResultMessage(tenant=message.tenant, mail_id=message.mail_id, payload=result)
            await publishers.results.publish(answer.model_dump(mode="json"), key=message.mail_id.encode())

    return publishers
