"""Declares a tool service on the broker: it consumes ``tool.<tool>.requests.v1`` (ToolCallMessage) and answers
each call on ``tool.<tool>.results.v1`` (ToolCallResultMessage, key = mail id), one ``execute_tool`` span per call.

The consumer only checks a call and hands it to a task: calls of one tenant run in order, one after another,
and different tenants' calls run side by side (``KeyedScheduler``), so a tenant waiting for its rate limit holds
a task, never the consumer, and the other tenants' calls behind it in the partition go on. A partition's offset
is committed only past calls whose result was published (``OffsetLedger``): a crash while calls wait redelivers
them, and a call that had already run answers again with its remembered result.

A message that is not a ToolCallMessage, or whose arguments do not fit the tool's schema, is dead-lettered with
its reason by the broker's dead-letter routing, and the tool goes on with the next call.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Annotated, Any, cast

from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.message import FakeConsumer
from faststream.kafka.publisher import DefaultPublisher
from opentelemetry import trace

from shared.broker import OffsetCommitter, OffsetLedger, durable_subscriber
from shared.broker.dead_letters import is_transient
from shared.contracts.tool_calls import ToolCallMessage, ToolCallResult, ToolCallResultMessage, ToolCallStatus
from shared.contracts.topics import tool_requests, tool_results
from shared.errors import RetryLater
from shared.keyed_tasks import KeyedScheduler
from shared.tool_service.definition import ToolDefinition
from shared.tool_service.execution import Execution, ToolServiceDeps, execute_call, parse_arguments
from shared.tracing import attributes

DEPS = "tool_service_deps"
RATE_LIMIT_WAIT_MS = "mailspine.tool.rate_limit_wait_ms"
TOOL_CALL_STATUS = "mailspine.tool.status"
TOOL_CALL_DUPLICATE = "mailspine.tool.duplicate"
EXECUTE_TOOL = "execute_tool"
# calls waiting or running at once per service; beyond it the consumer waits (memory stays bounded)
MAX_CALLS_IN_FLIGHT = 1000
# a call whose dependency (Redis, the downstream API, the broker) stays down this long is answered FAILED
RETRY_SECONDS = (0.5, 2.0, 5.0, 15.0)

logger = logging.getLogger("mailspine.tool_service")
tracer = trace.get_tracer("mailspine.tool_service")


@dataclass
class CallDispatch:
    """The tasks a tool service's calls run in, and the offsets they may commit."""

    scheduler: KeyedScheduler = field(default_factory=lambda: KeyedScheduler(MAX_CALLS_IN_FLIGHT))
    ledger: OffsetLedger = field(default_factory=OffsetLedger)

    async def idle(self) -> None:
        """Returns once every call taken so far is answered."""
        await self.scheduler.idle()


@dataclass(frozen=True)
class ToolPublishers:
    results: DefaultPublisher
    dispatch: CallDispatch


def provide_tool(broker: KafkaBroker, deps: ToolServiceDeps[Any]) -> None:
    broker.context.set_global(DEPS, deps)


def register_tool(broker: KafkaBroker, definition: ToolDefinition[Any],
                  dispatch: CallDispatch | None = None) -> ToolPublishers:
    requests, results = tool_requests(definition.tool), tool_results(definition.tool)
    service = definition.service_name
    publishers = ToolPublishers(
        dispatch=dispatch or CallDispatch(),
        results=broker.publisher(results, schema=ToolCallResultMessage, title=f"{results}:{service}",
                                 description=f"The result of each {definition.tool} call, correlated by call id; "
                                             "key = mail id."),
    )

    async def answer(message: ToolCallMessage, deps: ToolServiceDeps[Any]) -> None:
        call = message.payload
        with tracer.start_as_current_span(f"{EXECUTE_TOOL} {definition.tool}") as span:
            span.set_attributes({attributes.GEN_AI_OPERATION_NAME: EXECUTE_TOOL,
                                 attributes.TOOL_NAME: definition.tool,
                                 attributes.TOOL_CALL_ID: call.call_id,
                                 attributes.MAIL_ID: message.mail_id,
                                 attributes.TENANT: message.tenant,
                                 "mailspine.run.id": call.run_id})
            execution = await _execute_with_retries(definition, deps, message)
            result = execution.result.model_copy(update={"rate_limit_wait_ms": execution.rate_limit_wait_ms})
            span.set_attributes({RATE_LIMIT_WAIT_MS: execution.rate_limit_wait_ms,
                                 TOOL_CALL_STATUS: str(result.status),
                                 TOOL_CALL_DUPLICATE: result.duplicate,
                                 attributes.OUTCOME: str(result.status)})
            if result.reason:
                span.set_attribute("mailspine.tool.reason", result.reason[:500])
            reply = ToolCallResultMessage(tenant=message.tenant, mail_id=message.mail_id, payload=result)
            for delay in (*RETRY_SECONDS, None):
                try:
                    await publishers.results.publish(reply.model_dump(mode="json"), key=message.mail_id.encode())
                    return
                except Exception as exc:
                    if delay is None or not is_transient(exc):
                        raise  # left uncommitted: the call is redelivered when the service restarts
                    logger.warning("publishing the result of call %s failed (%r); retrying", call.call_id, exc)
                    await asyncio.sleep(delay)

    @durable_subscriber(broker, requests, group_id=definition.consumer_group, ack_policy=AckPolicy.MANUAL,
                        title=f"{requests}:{service}", description=definition.description or None)
    async def on_tool_call(message: ToolCallMessage, kafka_message: KafkaMessage,
                           deps: Annotated[ToolServiceDeps[Any], Context(DEPS)]) -> None:
        parse_arguments(definition, message.payload)  # a call this tool can never run is dead-lettered here
        record = kafka_message.raw_message
        topic, partition, offset = record.topic, record.partition, record.offset  # type: ignore[union-attr]
        consumer = None if isinstance(kafka_message.consumer, FakeConsumer) else cast(OffsetCommitter,
                                                                                        kafka_message.consumer)
        dispatch = publishers.dispatch
        dispatch.ledger.begin(topic, partition, offset)

        async def run_call() -> None:
            await answer(message, deps)
            await dispatch.ledger.finish_and_commit(consumer, topic, partition, offset)

        # a redelivery of a call still in flight here (the partition came back after a rebalance) is not run twice
        task_id = f"{topic}:{partition}:{offset}:{message.payload.call_id}"
        await dispatch.scheduler.submit(task_id, message.tenant, run_call)

    return publishers


async def _execute_with_retries(definition: ToolDefinition[Any], deps: ToolServiceDeps[Any],
                                message: ToolCallMessage) -> Execution:
    """A dependency that is down is retried here, in the call's task (the consumer has moved on); a call it
    stays down for, or that the tool cannot run at all, is answered FAILED with the reason, so the caller is not
    left waiting and the partition's offsets move on."""
    call = message.payload
    for delay in (*RETRY_SECONDS, None):
        try:
            return await execute_call(definition, deps, message)
        except Exception as exc:
            if delay is not None and (isinstance(exc, RetryLater) or is_transient(exc)):
                logger.warning("call %s: %s; retrying in %.1f s", call.call_id, exc, delay)
                await asyncio.sleep(delay)
                continue
            logger.exception("call %s failed", call.call_id)
            return Execution(ToolCallResult(call_id=call.call_id, run_id=call.run_id, tool=call.tool,
                                            status=ToolCallStatus.FAILED,
                                            reason=f"{type(exc).__name__}: {exc}"[:2000]))
    raise AssertionError("unreachable: the last attempt returns")
