import json
from typing import Any

import pytest

from services.runtime.agent import AgentDeps, AgentResult, require_spotlighted, run_agent
from shared.contracts.crm import CrmAction
from shared.contracts.mail import AcceptedMail
from shared.contracts.tool_calls import arguments_hash
from shared.contracts.tools.crm_writer import WriteCrm
from shared.errors import DeadLetter
from tests.support.runtime_inputs import StaticPrompts, accepted_mail
from tests.support.scripted_model import ScriptedModel
from tests.unit.test_extraction_step import GOOD


async def _run(mail: AcceptedMail, reply: dict[str, Any] = GOOD) -> AgentResult:
    deps = AgentDeps(llm=ScriptedModel(json.dumps(reply)).client, prompts=StaticPrompts(), summary_chars=100,
                     max_attempts=2)
    return await run_agent(mail, deps)


async def test_the_agent_asks_for_one_crm_write_with_a_deterministic_call_id() -> None:
    first, again = (await _run(accepted_mail())).crm_call, (await _run(accepted_mail())).crm_call
    assert first is not None and again is not None
    assert first.payload.call_id == again.payload.call_id
    other = (await _run(accepted_mail("m-2"))).crm_call
    assert other is not None and first.payload.call_id != other.payload.call_id
    arguments = WriteCrm.model_validate(first.payload.arguments)
    assert arguments.action == CrmAction.CREATE_REFUND_CASE
    assert arguments.order_id == "AC-1"
    assert arguments.customer_address == "<EMAIL_1>"  # a placeholder: the runtime never holds the address
    assert arguments.summary.startswith("Refund\n\nPlease refund order AC-558213.")  # unmarked for people
    assert len(arguments.summary) == 100
    assert first.payload.approval is not None
    assert first.payload.approval.arguments_hash == arguments_hash(first.payload.arguments)
    assert (first.mail_id, first.tenant) == ("m-1", "acme")


async def test_spam_gets_no_action_and_high_stakes_goes_to_a_person() -> None:
    spam = await _run(accepted_mail(), GOOD | {"intent": "spam", "crm_action": "none"})
    assert spam.crm_call is None and spam.review is None and spam.decision.route == "no_action"
    legal = await _run(accepted_mail(), GOOD | {"intent": "legal_threat", "crm_action": "escalate_legal",
                                            "high_stakes": True})
    assert legal.crm_call is None and legal.review is not None
    assert legal.review.payload.proposed.action == CrmAction.ESCALATE_LEGAL
    assert legal.prompt.version == "1.0.0" and legal.prompt.arm == "stable"


def test_the_runtime_refuses_text_that_was_not_spotlighted() -> None:
    require_spotlighted(accepted_mail())
    with pytest.raises(DeadLetter, match="body reached the runtime without spotlighting"):
        require_spotlighted(accepted_mail(body="Please refund order AC-558213."))


async def test_a_flagged_mail_becomes_a_review_request_carrying_the_proposed_action() -> None:
    result = await _run(accepted_mail(flagged=True))
    assert result.crm_call is None
    review = result.review
    assert review is not None
    assert review.payload.proposed.customer_address == "<EMAIL_1>"
    assert "ignore_instructions" in review.payload.reason and "0.6" in review.payload.reason
