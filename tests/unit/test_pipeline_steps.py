import json

import pytest

from services.runtime.agent import AgentRunFailed, extract_step, require_spotlighted
from shared.errors import DeadLetter
from tests.support.runtime_inputs import StaticPrompts, accepted_mail
from tests.support.scripted_model import ScriptedModel
from tests.unit.test_extraction_step import GOOD


async def test_the_extraction_step_names_its_prompt_and_returns_the_facts() -> None:
    prompt, outcome = await extract_step(accepted_mail(), ScriptedModel(json.dumps(GOOD)).client, StaticPrompts(),
                                         max_attempts=2, max_body_chars=1000)
    assert (prompt.name, prompt.version, prompt.arm) == ("extract-email", "1.0.0", "stable")
    assert outcome.extraction.order_ids == ["AC-1"]


async def test_an_extraction_without_a_valid_reply_fails_naming_its_prompt() -> None:
    with pytest.raises(AgentRunFailed) as failed:
        await extract_step(accepted_mail(), ScriptedModel("no", "still no").client, StaticPrompts(), max_attempts=2,
                           max_body_chars=1000)
    assert failed.value.prompt.name == "extract-email"


def test_the_runtime_refuses_text_that_was_not_spotlighted() -> None:
    require_spotlighted(accepted_mail())
    with pytest.raises(DeadLetter, match="body reached the runtime without spotlighting"):
        require_spotlighted(accepted_mail(body="Please refund order AC-558213."))
