import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from services.runtime.agent import AgentDeps, AgentResult, require_spotlighted, run_agent
from services.tools.crm_writer.writer import crm_write_for, tool_result_for
from shared.contracts.crm import CrmAction, ToolOutcome, crm_idempotency_key
from shared.contracts.mail import AcceptedMail, AcceptedMailBody, GuardrailSummary
from shared.errors import DeadLetter
from shared.prompts import PromptArtifact, PromptLibrary
from shared.spotlight import spotlight, spotlight_contract
from tests.support.scripted_model import ScriptedModel
from tests.unit.test_extraction_step import GOOD


def _accepted(mail_id: str = "m-1", *, body: str | None = None, flagged: bool = False) -> AcceptedMail:
    payload = AcceptedMailBody(
        message_id="<1@x>", thread_id="<1@x>", mailbox="support@acme.example",
        sender=spotlight("<PERSON_1> <EMAIL_1>"), sender_address="<EMAIL_1>",
        subject=spotlight("Refund"), body=body or spotlight("Please refund order AC-558213. " * 50),
        spotlight=spotlight_contract(), attachments=[],
        guardrail=GuardrailSummary(verdict="flag" if flagged else "pass", score=0.6 if flagged else 0.01,
                                   rule_hits=["ignore_instructions"] if flagged else []),
        requires_human_review=flagged, redacted_entities={"EMAIL_ADDRESS": 1, "PERSON": 1},
        received_at=datetime.now(UTC),
    )
    return AcceptedMail(tenant="acme", mail_id=mail_id, payload=payload)

@dataclass(frozen=True)
class _Resolved:
    artifact: PromptArtifact
    version: str
    content_hash: str
    label: str = "production"
    arm: str = "stable"
    stale: bool = False


class _StaticPrompts:
    """The repository's artifact, as the registry would resolve it for production."""

    async def resolve(self, name: str, label: str = "production", routing_key: str | None = None,
                      variables: dict | None = None) -> _Resolved:
        artifact = PromptLibrary().get(name, "1.0.0")
        return _Resolved(artifact, artifact.version, artifact.content_hash or "")


async def _run(mail: AcceptedMail, reply: dict[str, Any] = GOOD) -> AgentResult:
    deps = AgentDeps(llm=ScriptedModel(json.dumps(reply)).client, prompts=_StaticPrompts(), summary_chars=100,
                     max_attempts=2)
    return await run_agent(mail, deps)


async def test_the_agent_asks_for_one_crm_write_with_a_deterministic_call_id() -> None:
    first, again = (await _run(_accepted())).crm_call, (await _run(_accepted())).crm_call
    assert first is not None and again is not None
    assert first.payload.call_id == again.payload.call_id
    other = (await _run(_accepted("m-2"))).crm_call
    assert other is not None and first.payload.call_id != other.payload.call_id
    assert first.payload.action == CrmAction.CREATE_REFUND_CASE
    assert first.payload.facts is not None and first.payload.facts.order_ids == ["AC-1"]
    assert first.payload.customer_address == "<EMAIL_1>"  # a placeholder: the runtime never holds the address
    assert first.payload.summary.startswith("Refund\n\nPlease refund order AC-558213.")  # unmarked for people
    assert len(first.payload.summary) == 100
    assert (first.mail_id, first.tenant) == ("m-1", "acme")


async def test_spam_gets_no_action_and_high_stakes_goes_to_a_person() -> None:
    spam = await _run(_accepted(), GOOD | {"intent": "spam", "crm_action": "none"})
    assert spam.crm_call is None and spam.review is None and spam.decision.route == "no_action"
    legal = await _run(_accepted(), GOOD | {"intent": "legal_threat", "crm_action": "escalate_legal",
                                            "high_stakes": True})
    assert legal.crm_call is None and legal.review is not None
    assert legal.review.payload.proposed.action == CrmAction.ESCALATE_LEGAL
    assert legal.prompt.version == "1.0.0" and legal.prompt.arm == "stable"


def test_the_runtime_refuses_text_that_was_not_spotlighted() -> None:
    require_spotlighted(_accepted())
    with pytest.raises(DeadLetter, match="body reached the runtime without spotlighting"):
        require_spotlighted(_accepted(body="Please refund order AC-558213."))


async def test_a_flagged_mail_becomes_a_review_request_carrying_the_proposed_action() -> None:
    result = await _run(_accepted(flagged=True))
    assert result.crm_call is None
    review = result.review
    assert review is not None
    assert review.payload.proposed.customer_address == "<EMAIL_1>"
    assert "ignore_instructions" in review.payload.reason and "0.6" in review.payload.reason


async def test_crm_write_carries_the_revealed_address_and_the_idempotency_key() -> None:
    request = (await _run(_accepted())).crm_call
    assert request is not None
    write = crm_write_for(request, "dana@northwind.example")
    assert write.payload.customer_address == "dana@northwind.example"
    assert write.payload.idempotency_key == crm_idempotency_key("m-1", CrmAction.CREATE_REFUND_CASE)
    result = tool_result_for(request, ToolOutcome.DUPLICATE)
    assert result.payload.call_id == request.payload.call_id
    assert result.payload.idempotency_key == write.payload.idempotency_key
