"""The reference model server over real HTTP with the real `openai` client, as the runtime and the eval use it."""

import json
from collections.abc import Iterator
from typing import cast

import httpx
import jsonschema
import numpy as np
import openai
import pytest
from openai.types.chat import (
    ChatCompletionMessageFunctionToolCall,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)

from infra.servers.reference_model import ReferenceModelServer
from shared.llm import LlmSettings, ReferenceModelSettings, build_async_client, reference_api_key
from shared.prompts import PromptLibrary, render
from shared.spotlight import BEGIN, DATAMARK, END, spotlight
from standins.reference_model import EMBEDDING_MODEL_ID, MODEL_ID

ARTIFACT = PromptLibrary().get("extract-email", "1.0.0")


@pytest.fixture(scope="module")
def reference_server() -> Iterator[ReferenceModelServer]:
    """Started for this module unless it is already running (then reused and left running)."""
    server = ReferenceModelServer()
    outcome = server.start()
    yield server
    if outcome == "started":
        server.stop()


@pytest.fixture
def client(reference_server: ReferenceModelServer) -> openai.AsyncOpenAI:
    settings = LlmSettings(base_url=ReferenceModelSettings().base_url, api_key=reference_api_key(),
                           is_reference=True)
    return build_async_client(settings)


def _messages(body: str, subject: str) -> list[ChatCompletionMessageParam]:
    # role/content dicts: the shape openai's message TypedDicts describe
    rendered = render(ARTIFACT, {"begin_marker": BEGIN, "end_marker": END, "datamark": DATAMARK,
                                 "received_date": "2026-11-20", "sender": spotlight("<PERSON_1> <<EMAIL_1>>"),
                                 "subject": spotlight(subject), "body": spotlight(body)})
    return cast(list[ChatCompletionMessageParam], rendered.messages)


REFUND = _messages("Hello,\n\nOrder AC-558213 arrived damaged on 2 December 2026. Please refund €418.00.\n\n"
                   "Kind regards,\n<PERSON_1>\nNorthwind Retail Ltd", "Refund for order AC-558213")


async def test_models_list_names_the_rule_based_reference_and_the_embeddings_model(
        client: openai.AsyncOpenAI) -> None:
    models = {m.id: m for m in (await client.models.list()).data}
    assert set(models) == {MODEL_ID, EMBEDDING_MODEL_ID}
    assert models[MODEL_ID].owned_by == "mailspine-reference"
    assert "not a language model" in (models[MODEL_ID].model_extra or {})["description"]


async def test_json_schema_completion_validates_against_the_schema(client: openai.AsyncOpenAI) -> None:
    schema = ARTIFACT.output_schema.schema_
    response = await client.chat.completions.create(
        model=MODEL_ID, messages=REFUND,
        response_format={"type": "json_schema", "json_schema": {"name": "mail_extraction", "schema": schema}})
    value = json.loads(response.choices[0].message.content or "")
    jsonschema.validate(value, schema)
    assert value["intent"] == "refund_request" and value["order_ids"] == ["AC-558213"]
    assert value["amounts"] == [{"value": "418.00", "currency": "EUR"}]
    assert response.usage is not None and response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens) > 0


async def test_tool_call_for_the_derived_action(client: openai.AsyncOpenAI) -> None:
    parameters = {"type": "object", "additionalProperties": False, "required": ["order_ids", "customer_name"],
                  "properties": {"order_ids": {"type": "array", "items": {"type": "string"}},
                                 "customer_name": {"type": ["string", "null"]}}}
    tools: list[ChatCompletionToolParam] = [
        {"type": "function", "function": {"name": "escalate_legal", "parameters": {"type": "object"}}},
        {"type": "function", "function": {"name": "create_refund_case", "parameters": parameters}}]
    response = await client.chat.completions.create(model=MODEL_ID, messages=REFUND, tools=tools)
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.tool_calls
    tool_call = choice.message.tool_calls[0]
    assert isinstance(tool_call, ChatCompletionMessageFunctionToolCall)
    call = tool_call.function
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, parameters)
    assert call.name == "create_refund_case" and arguments == {"order_ids": ["AC-558213"],
                                                               "customer_name": "<PERSON_1>"}


async def test_embeddings_have_384_dimensions_and_rank_similar_text_higher(client: openai.AsyncOpenAI) -> None:
    response = await client.embeddings.create(model=EMBEDDING_MODEL_ID, input=[
        "query: refund for a damaged order", "Please refund my order, it arrived broken.",
        "The quarterly board meeting moves to the Berlin office."])
    vectors = np.array([item.embedding for item in response.data])
    assert vectors.shape == (3, 384)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    assert unit[0] @ unit[1] > unit[0] @ unit[2]
    single = await client.embeddings.create(model=EMBEDDING_MODEL_ID, input="just one string")
    assert len(single.data) == 1 and len(single.data[0].embedding) == 384


async def test_a_request_without_the_key_is_refused(reference_server: ReferenceModelServer) -> None:
    # one blocking request: nothing else needs the event loop meanwhile
    anonymous = httpx.post(f"{ReferenceModelSettings().base_url}/chat/completions",  # noqa: ASYNC210
                           json={"model": MODEL_ID, "messages": REFUND})
    assert anonymous.status_code == 401 and anonymous.json()["error"]["type"] == "authentication_error"
    wrong = openai.AsyncOpenAI(base_url=ReferenceModelSettings().base_url, api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        await wrong.models.list()


async def test_an_unknown_model_is_404_with_an_openai_error(client: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as raised:
        await client.chat.completions.create(model="gpt-imaginary", messages=REFUND)
    assert isinstance(raised.value.body, dict) and raised.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError, match="streaming"):
        await client.chat.completions.create(model=MODEL_ID, messages=REFUND, stream=True)


async def test_identical_requests_give_identical_content(client: openai.AsyncOpenAI) -> None:
    schema = ARTIFACT.output_schema.schema_
    answers = [await client.chat.completions.create(
        model=MODEL_ID, messages=REFUND,
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}) for _ in range(2)]
    assert answers[0].choices[0].message.content == answers[1].choices[0].message.content
    assert answers[0].id == answers[1].id


def test_the_server_reports_healthy_and_is_ours_or_reused(reference_server: ReferenceModelServer) -> None:
    status = reference_server.status()
    assert status.up and status.ports == (ReferenceModelSettings().port,)
