"""A service's production broker (trace middleware, dead-letter routing) for in-memory handler tests under
FastStream's ``TestKafkaBroker``: no Kafka, no span export."""

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.call_wrapper import KafkaHandlerCallWrapper
from faststream.kafka.subscriber.usecase import LogicSubscriber
from pydantic import SecretStr

from shared.broker import build_broker
from shared.contracts.topics import dead_letter_topic
from shared.settings import KafkaSettings, TracingSettings
from shared.tool_service import CallDispatch
from shared.tracing import setup_tracing


def unit_broker(service_name: str) -> KafkaBroker:
    setup_tracing("unit-tests", TracingSettings(enabled=False))  # before the broker installs the global provider
    return build_broker(service_name, KafkaSettings(password=SecretStr("unit-test-not-a-secret")))


def handler_of(broker: KafkaBroker, topic: str) -> KafkaHandlerCallWrapper[Any, Any]:
    """The one handler subscribed to ``topic``, with the ``mock`` a test broker records its calls on."""
    handlers = [call.handler for subscriber in broker.subscribers
                if isinstance(subscriber, LogicSubscriber) and topic in subscriber.topic_names
                for call in subscriber.calls]
    assert len(handlers) == 1, f"{len(handlers)} handlers subscribe to {topic}"
    handler = handlers[0]
    assert isinstance(handler, KafkaHandlerCallWrapper)
    return handler


def read_dead_letters(broker: KafkaBroker, topic: str) -> KafkaHandlerCallWrapper[Any, Any]:
    """Subscribes to ``topic``'s dead-letter topic; its ``mock`` receives each DeadLetterRecord as a dict."""

    async def dead_letter(letter: dict[str, Any]) -> None:
        """Records what the consumers of the topic could not process."""

    return broker.subscriber(dead_letter_topic(topic), group_id="unit-dead-letters")(dead_letter)


def answering_before_returning(test_broker: KafkaBroker, dispatch: CallDispatch) -> KafkaBroker:
    """A tool service answers each call in a task after its consumer returned; under the test broker, make
    ``publish`` return only once every call taken so far is answered, so a test reads results right after."""
    publish = test_broker.publish

    async def publish_and_settle(*args: Any, **kwargs: Any) -> Any:
        sent = await publish(*args, **kwargs)
        await dispatch.idle()
        return sent

    test_broker.publish = publish_and_settle  # type: ignore[method-assign]
    return test_broker
