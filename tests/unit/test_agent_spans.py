"""The planning step and each critic verdict are spans: the chat span carries the GenAI attributes and records
the model's dropped calls with their reasons; the critic span carries the verdict and its reasons."""

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.runtime.critic import Evidence, load_policy, review_call
from services.runtime.critic import review as review_module
from services.runtime.planning import PlanInput, PlannedCall, plan_next
from services.runtime.planning import planner as planner_module
from tests.support.agent_mail import accepted_mail, facts
from tests.support.scripted_tool_model import ScriptedToolModel
from tests.unit.test_planner_step import WRITE, LocalPrompts


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(planner_module, "tracer", provider.get_tracer("test"))
    monkeypatch.setattr(review_module, "tracer", provider.get_tracer("test"))
    return exporter


async def test_the_plan_step_is_a_chat_span_with_prompt_model_tokens_and_dropped_calls(
        spans: InMemorySpanExporter) -> None:
    model = ScriptedToolModel([("wire_money", {"amount": 1}), ("write_crm", WRITE)])
    await plan_next(model.client, LocalPrompts(), PlanInput(accepted_mail(), facts(), {}, ()))
    [span] = spans.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert span.name == "chat mailspine-reference-rules"
    assert attributes["gen_ai.operation.name"] == "chat"
    assert (attributes["mailspine.prompt.name"], attributes["mailspine.prompt.version"]) == ("plan-actions", "1.0.0")
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (300, 40)
    assert attributes["mailspine.plan.calls"] == ("write_crm",) and attributes["mailspine.plan.dropped"] == 1
    [event] = span.events
    assert event.name == "invalid_tool_call" and "unknown function 'wire_money'" in str(event.attributes)


async def test_each_verdict_is_a_span_with_its_reasons(spans: InMemorySpanExporter) -> None:
    evidence = Evidence(mail=accepted_mail(), facts=facts(high_stakes=True), crm_record=None, approved_state={})
    await review_call(PlannedCall("write_crm", WRITE), evidence, load_policy())
    [span] = spans.get_finished_spans()
    attributes = dict(span.attributes or {})
    assert span.name == "critic write_crm" and attributes["gen_ai.tool.name"] == "write_crm"
    assert attributes["mailspine.critic.verdict"] == "needs_human"
    reasons = attributes["mailspine.critic.reasons"]
    assert isinstance(reasons, tuple) and any("high stakes" in str(reason) for reason in reasons)
