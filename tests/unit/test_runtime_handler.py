"""The runtime's register() in memory: an accepted mail in; a CRM tool call or a review request, and one run summary
out, through FastStream's test broker. The model is the real OpenAI client over an in-memory HTTP transport that
answers from a script (httpx2, the HTTP package the client is built on), so no server runs and no client is
imitated."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from faststream.kafka.call_wrapper import KafkaHandlerCallWrapper

from services.runtime.agent import AgentDeps
from services.runtime.handlers import RuntimePublishers, provide, register
from services.runtime.settings import RuntimeSettings
from shared.contracts.tool_calls import arguments_hash
from shared.contracts.topics import MAIL_ACCEPTED
from tests.support.in_memory_broker import handler_of, read_dead_letters, unit_broker
from tests.support.runtime_inputs import StaticPrompts, accepted_mail
from tests.unit.test_extraction_step import GOOD


class ScriptedCompletions:
    """Answers each chat completion with the next reply of its script, as an OpenAI-compatible server would."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path.endswith("/chat/completions"), request.url
        completion = {"id": "chatcmpl-unit", "object": "chat.completion", "created": 0, "model": "scripted",
                      "choices": [{"index": 0, "finish_reason": "stop",
                                   "message": {"role": "assistant", "content": self.replies.pop(0)}}],
                      "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}}
        return httpx2.Response(200, json=completion)


@dataclass
class RuntimeUnderTest:
    broker: KafkaBroker
    publishers: RuntimePublishers
    dead_letters: KafkaHandlerCallWrapper[Any, Any]


async def _runtime(model: ScriptedCompletions) -> AsyncIterator[RuntimeUnderTest]:
    broker = unit_broker("runtime")
    publishers = register(broker, RuntimeSettings())
    dead_letters = read_dead_letters(broker, MAIL_ACCEPTED)
    llm = openai.AsyncOpenAI(api_key="unit-test", base_url="http://model.invalid/v1", max_retries=0,
                             http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(model)))
    provide(broker, AgentDeps(llm=llm, prompts=StaticPrompts(), summary_chars=100, max_attempts=2))
    async with TestKafkaBroker(broker) as test_broker:
        yield RuntimeUnderTest(test_broker, publishers, dead_letters)
    await llm.close()


@pytest.fixture
async def runtime() -> AsyncIterator[RuntimeUnderTest]:
    async for under_test in _runtime(ScriptedCompletions(json.dumps(GOOD))):
        yield under_test


@pytest.fixture
async def runtime_with_a_broken_model() -> AsyncIterator[RuntimeUnderTest]:
    async for under_test in _runtime(ScriptedCompletions("not json", "still not json")):
        yield under_test


async def test_an_accepted_mail_becomes_one_crm_call_and_one_run_summary(runtime: RuntimeUnderTest) -> None:
    mail = accepted_mail()
    await runtime.broker.publish(mail.model_dump(mode="json"), MAIL_ACCEPTED, key=b"m-1")

    handler_of(runtime.broker, MAIL_ACCEPTED).mock.assert_called_once_with(mail.model_dump(mode="json"))
    await runtime.publishers.crm_calls.assert_called_once_with(key=b"m-1")
    call = runtime.publishers.crm_calls.mock.call_args.args[0]
    assert (call["mail_id"], call["payload"]["arguments"]["action"]) == ("m-1", "create_refund_case")
    assert call["payload"]["arguments"]["customer_address"] == "<EMAIL_1>"
    assert call["payload"]["approval"]["arguments_hash"] == arguments_hash(call["payload"]["arguments"])
    runtime.publishers.reviews.mock.assert_not_called()
    await runtime.publishers.runs.assert_called_once_with(key=b"m-1")
    run = runtime.publishers.runs.mock.call_args.args[0]["payload"]
    assert (run["outcome"], run["crm_action"], run["model"]) == ("crm", "create_refund_case", "scripted")
    runtime.dead_letters.mock.assert_not_called()


async def test_a_flagged_mail_goes_to_a_person_instead_of_the_crm(runtime: RuntimeUnderTest) -> None:
    await runtime.broker.publish(accepted_mail(flagged=True).model_dump(mode="json"), MAIL_ACCEPTED, key=b"m-1")

    runtime.publishers.crm_calls.mock.assert_not_called()
    await runtime.publishers.reviews.assert_called_once_with(key=b"m-1")
    review = runtime.publishers.reviews.mock.call_args.args[0]["payload"]
    assert review["proposed"]["action"] == "create_refund_case"
    assert runtime.publishers.runs.mock.call_args.args[0]["payload"]["outcome"] == "human_review"


async def test_a_mail_without_a_valid_extraction_is_dead_lettered_after_its_failed_run_is_summarised(
        runtime_with_a_broken_model: RuntimeUnderTest) -> None:
    runtime = runtime_with_a_broken_model
    await runtime.broker.publish(accepted_mail().model_dump(mode="json"), MAIL_ACCEPTED, key=b"m-1")

    runtime.publishers.crm_calls.mock.assert_not_called()
    runtime.publishers.reviews.mock.assert_not_called()
    await runtime.publishers.runs.assert_called_once_with(key=b"m-1")
    assert runtime.publishers.runs.mock.call_args.args[0]["payload"]["outcome"] == "failed"
    runtime.dead_letters.mock.assert_called_once()
    letter = runtime.dead_letters.mock.call_args.args[0]
    assert (letter["source_topic"], letter["error_type"]) == (MAIL_ACCEPTED, "AgentRunFailed")
