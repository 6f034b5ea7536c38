"""One planning step against a scripted tool-calling model: the request it sends, which calls it keeps, which
it drops and why."""

import json
from types import SimpleNamespace
from typing import Any

from services.runtime.planning import Observation, PlanInput, plan_next
from shared.contracts.tools.catalog import TOOL_CATALOG
from shared.prompts import PromptLibrary
from shared.spotlight import BEGIN
from tests.support.agent_mail import accepted_mail, facts
from tests.support.scripted_tool_model import ScriptedToolModel

WRITE = {"action": "create_refund_case", "customer_address": "<EMAIL_1>", "summary": "refund AC-1",
         "order_id": "AC-1", "amount": "129.99", "currency": "GBP"}


class LocalPrompts:
    async def resolve(self, name: str, label: str = "production", routing_key: str | None = None,
                      variables: dict[str, Any] | None = None) -> Any:
        artifact = PromptLibrary().get(name, "1.0.0")
        return SimpleNamespace(artifact=artifact, version=artifact.version, content_hash=artifact.content_hash,
                               label=label, arm="stable", stale=False)


def _input(*observations: Observation) -> PlanInput:
    return PlanInput(mail=accepted_mail(), facts=facts(), memory={}, observations=observations)


async def test_the_model_is_offered_every_tool_and_sees_the_mail_only_spotlighted() -> None:
    model = ScriptedToolModel([("lookup_customer", {"customer_key": "cust_0123456789abcdef01234567"})])
    step = await plan_next(model.client, LocalPrompts(), _input())
    request = model.requests[0]
    offered = request["extra_body"]["tools"]  # sent verbatim, past the client's request transform
    assert [tool["function"]["name"] for tool in offered] == [spec.function for spec in TOOL_CATALOG]
    assert "response_format" not in request
    user = request["messages"][1]["content"]
    assert f"Body:\n{BEGIN}\nPlease\u02c6refund" in user
    assert '"crm_action": "create_refund_case"' in user  # the trusted facts, as JSON
    assert step.prompt.name == "plan-actions" and step.prompt.version == "1.0.0"
    assert (step.input_tokens, step.output_tokens, step.model) == (300, 40, "scripted")
    assert [call.function for call in step.calls] == ["lookup_customer"]


async def test_unknown_functions_and_invalid_arguments_are_dropped_never_returned() -> None:
    model = ScriptedToolModel([("wire_money", {"amount": 1}), ("write_crm", {"action": "delete_customer"}),
                               ("send_reply", "{not json"), ("write_crm", WRITE)])
    step = await plan_next(model.client, LocalPrompts(), _input())
    assert [(call.function, call.arguments["action"]) for call in step.calls] == [("write_crm",
                                                                                  "create_refund_case")]


async def test_earlier_calls_reach_the_model_as_tool_turns_and_are_not_repeated() -> None:
    done = Observation("write_crm", WRITE, "ok", {"idempotency_key": "k", "published": True}, None)
    model = ScriptedToolModel([("write_crm", WRITE)])
    step = await plan_next(model.client, LocalPrompts(), _input(done))
    turns = model.requests[0]["messages"][2:]
    assert turns[0]["tool_calls"][0]["function"]["name"] == "write_crm"
    assert json.loads(turns[1]["content"])["status"] == "ok" and turns[1]["role"] == "tool"
    assert step.calls == ()  # the same call again is dropped: the plan is finished


async def test_no_tool_call_means_the_plan_is_finished() -> None:
    step = await plan_next(ScriptedToolModel([]).client, LocalPrompts(), _input())
    assert step.calls == ()
