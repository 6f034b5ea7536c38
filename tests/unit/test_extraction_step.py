"""The extraction step against a scripted stand-in for the OpenAI client: validation, bounded retry, errors."""

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import openai
import pytest

from services.runtime.decision import Route, decide
from services.runtime.extraction import InvalidModelOutput, extract_facts, parse_reply
from shared.contracts.extraction import Extraction
from shared.contracts.mail import AcceptedMailBody, GuardrailSummary
from shared.errors import RetryLater
from shared.prompts import PromptArtifact, PromptLibrary
from shared.spotlight import spotlight, spotlight_contract
from tests.support.scripted_model import ScriptedModel

GOOD = {"intent": "refund_request", "customer_name": "<PERSON_1>", "company": None, "order_ids": ["AC-1"],
        "invoice_ids": [], "amounts": [{"value": "12.00", "currency": "EUR"}], "dates": ["2026-12-01"],
        "requested_action": "refund", "crm_action": "create_refund_case", "high_stakes": False}


def _mail(flagged: bool = False) -> AcceptedMailBody:
    return AcceptedMailBody(
        message_id="<a@b>", thread_id="<a@b>", mailbox="support@acme.example", sender=spotlight("<PERSON_1>"),
        sender_address="<EMAIL_1>", subject=spotlight("Refund"), body=spotlight("Please refund order AC-1"),
        spotlight=spotlight_contract(), attachments=[],
        guardrail=GuardrailSummary(verdict="flag" if flagged else "pass", score=0.7 if flagged else 0.1,
                                   rule_hits=[]),
        requires_human_review=flagged, redacted_entities={}, received_at=datetime(2026, 11, 20, tzinfo=UTC))


@pytest.fixture(scope="module")
def artifact() -> PromptArtifact:
    return PromptLibrary().get("extract-email", "1.0.0")


async def test_a_valid_reply_is_parsed_and_the_request_carries_the_schema(artifact: PromptArtifact) -> None:
    model = ScriptedModel(json.dumps(GOOD))
    outcome = await extract_facts(model.client, artifact, _mail())
    assert outcome.extraction == Extraction.model_validate(GOOD)
    assert outcome.attempts == 1 and outcome.input_tokens == 100
    request = model.requests[0]
    assert request["model"] == "mailspine-reference-rules"
    assert request["response_format"]["json_schema"]["schema"] == artifact.output_schema.schema_
    assert "Please\u02c6refund" in request["messages"][1]["content"]  # the mail arrives spotlighted


async def test_an_invalid_reply_is_retried_with_the_problem_then_accepted(artifact: PromptArtifact) -> None:
    model = ScriptedModel("not json", json.dumps(GOOD))
    outcome = await extract_facts(model.client, artifact, _mail())
    assert outcome.attempts == 2 and outcome.input_tokens == 200
    correction = model.requests[1]["messages"][-1]["content"]
    assert "not JSON" in correction


async def test_retries_are_bounded(artifact: PromptArtifact) -> None:
    wrong = json.dumps(GOOD | {"intent": "gossip"})
    model = ScriptedModel(wrong, wrong, wrong)
    with pytest.raises(InvalidModelOutput, match=r"no valid reply in 2 attempts.*intent"):
        await extract_facts(model.client, artifact, _mail(), max_attempts=2)
    assert len(model.requests) == 2


async def test_an_unreachable_endpoint_is_transient(artifact: PromptArtifact) -> None:
    # openai annotates the request with its vendored httpx; at run time it is httpx's own
    request: Any = httpx.Request("POST", "http://127.0.0.1:1/v1/chat/completions")
    model = ScriptedModel(openai.APIConnectionError(request=request))
    with pytest.raises(RetryLater, match="model endpoint unavailable"):
        await extract_facts(model.client, artifact, _mail())


def test_parse_reply_names_the_problem() -> None:
    schema = PromptLibrary().get("extract-email", "1.0.0").output_schema.schema_
    with pytest.raises(ValueError, match="at amounts/0/value"):
        parse_reply(json.dumps(GOOD | {"amounts": [{"value": "12", "currency": "EUR"}]}), schema)
    with pytest.raises(ValueError, match="empty"):
        parse_reply("", schema)


def test_the_decision_routes_high_stakes_and_flagged_mail_to_a_person() -> None:
    facts = Extraction.model_validate(GOOD)
    assert decide(_mail(), facts).route == Route.CRM
    assert decide(_mail(flagged=True), facts).route == Route.HUMAN_REVIEW
    assert decide(_mail(), facts.model_copy(update={"high_stakes": True})).route == Route.HUMAN_REVIEW
    assert decide(_mail(), facts.model_copy(update={"crm_action": "none"})).route == Route.NO_ACTION
