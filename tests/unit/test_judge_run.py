"""The judge scorer against a scripted stand-in for the OpenAI client: spotlighting, validation, one retry, the
error taxonomy, and the `chat <model>` span."""

import json
from typing import Any

import httpx
import openai
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.evaluator.scoring import judge as judge_module
from services.evaluator.scoring.judge import JudgeFailed, is_judge_prompt, judge_run
from shared.contracts.agent_run import RunEvidence
from shared.errors import RetryLater
from shared.prompts import PromptLibrary
from shared.spotlight import BEGIN, DATAMARK
from shared.tracing import attributes
from tests.support.scripted_model import ScriptedModel

LIBRARY = PromptLibrary()
JUDGE = LIBRARY.get("judge-extraction", "1.0.0")
FACTS = {"intent": "refund_request", "customer_name": "<PERSON_1>", "company": None, "order_ids": ["AC-1"],
         "invoice_ids": [], "amounts": [{"value": "12.00", "currency": "EUR"}], "dates": [],
         "requested_action": "refund order AC-1", "crm_action": "create_refund_case", "high_stakes": False}
VERDICT = {"score": 4, "intent_correct": True, "crm_action_correct": True, "high_stakes_correct": True,
           "unsupported_values": ["AC-2"], "rationale": "one order id is not in the mail"}


def _evidence(facts: dict | None = FACTS, reply: str | None = None) -> RunEvidence:
    return RunEvidence(sender="<PERSON_1> <<EMAIL_1>>", subject="Refund AC-1", body="Please refund order AC-1.",
                       received_date="2026-11-20", reply=reply, facts=facts, attempts=1)


def scripted_judge(*replies: object) -> ScriptedModel:
    return ScriptedModel(*replies, model="scripted-judge", prompt_tokens=300, completion_tokens=40)


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(judge_module, "tracer", provider.get_tracer("test"))
    return exporter


async def test_a_valid_verdict_is_returned_with_its_cost_and_the_span_says_which_judge(
        spans: InMemorySpanExporter) -> None:
    model = scripted_judge(json.dumps(VERDICT))
    verdict = await judge_run(model.client, JUDGE, _evidence())
    assert (verdict.score, verdict.acceptable, verdict.unsupported_values) == (4, True, ("AC-2",))
    assert (verdict.judge, verdict.model, verdict.attempts, verdict.input_tokens) == (
        "judge-extraction@1.0.0", "scripted-judge", 1, 300)
    request = model.requests[0]
    assert request["response_format"]["json_schema"]["schema"] == JUDGE.output_schema.schema_
    user = request["messages"][1]["content"]
    candidate = user[user.index("Candidate extraction:"):]
    assert candidate.count(BEGIN) == 1 and f'"intent":{DATAMARK}"refund_request"' in candidate
    assert f"Please{DATAMARK}refund" in user  # the mail is spotlighted too
    (span,) = spans.get_finished_spans()
    assert span.name == "chat mailspine-reference-rules"
    assert span.attributes is not None
    assert span.attributes[attributes.PROMPT_NAME] == "judge-extraction"
    assert span.attributes[attributes.PROMPT_VERSION] == "1.0.0"
    assert span.attributes[attributes.EVAL_JUDGE_SCORE] == 4
    assert span.attributes[attributes.GEN_AI_USAGE_INPUT_TOKENS] == 300
    assert span.attributes[attributes.OUTCOME] == "ok"


async def test_an_invalid_verdict_is_retried_once_with_the_problem() -> None:
    model = scripted_judge(json.dumps(VERDICT | {"score": 7}), json.dumps(VERDICT | {"score": 2}))
    verdict = await judge_run(model.client, JUDGE, _evidence())
    assert verdict.attempts == 2 and verdict.score == 2 and not verdict.acceptable
    assert verdict.input_tokens == 600
    assert "at score" in model.requests[1]["messages"][-1]["content"]


async def test_a_second_invalid_verdict_raises_judge_failed() -> None:
    model = scripted_judge("not json", json.dumps({k: v for k, v in VERDICT.items() if k != "rationale"}), "unused")
    with pytest.raises(JudgeFailed, match=r"no valid verdict in 2 attempts.*rationale"):
        await judge_run(model.client, JUDGE, _evidence())
    assert len(model.requests) == 2


async def test_an_unreachable_endpoint_is_transient() -> None:
    # openai annotates the request with its vendored httpx; at run time it is httpx's own
    request: Any = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    model = scripted_judge(openai.APIConnectionError(request=request))
    with pytest.raises(RetryLater, match="model endpoint unavailable"):
        await judge_run(model.client, JUDGE, _evidence())


async def test_without_valid_facts_the_raw_reply_is_judged() -> None:
    model = scripted_judge(json.dumps(VERDICT | {"score": 1}))
    await judge_run(model.client, JUDGE, _evidence(facts=None, reply="I cannot help with that"))
    user = model.requests[0]["messages"][1]["content"]
    assert f"I{DATAMARK}cannot{DATAMARK}help" in user[user.index("Candidate extraction:"):]


def test_judge_prompts_are_told_from_extraction_prompts() -> None:
    assert is_judge_prompt(JUDGE)
    assert not is_judge_prompt(LIBRARY.get("extract-email", "1.0.0"))
