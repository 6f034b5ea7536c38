"""The client's follower refuses a registry record whose artifact does not match its recorded hash."""

import logging

import pytest

from services.registry.changes import plan_publish
from shared.contracts.topics import REGISTRY_PROMPTS
from shared.prompts.registry_follower import RegistryFollower
from shared.prompts.registry_state import RegistryState
from shared.settings import KafkaSettings
from tests.support.registry_builders import artifact


def test_a_forged_record_is_refused_and_never_served(caplog: pytest.LogCaptureFixture) -> None:
    genuine = artifact(name="forged-check", version="1.0.0")
    planned = plan_publish(RegistryState(), genuine, "editor")
    assert planned is not None
    record, _ = planned
    tampered = genuine.model_copy(update={"description": "Changed after publication, hash kept."})
    forged = record.model_copy(update={"artifact": tampered.model_dump(mode="json", by_alias=True)})
    follower = RegistryFollower(KafkaSettings(password="unused"), client_id="test")
    with caplog.at_level(logging.ERROR):
        assert follower._apply(REGISTRY_PROMPTS, forged.model_dump_json().encode(), 7) is None
    assert "does not match its recorded hash" in follower.refused[0]
    assert "refused" in caplog.text
    assert follower.state.names() == []
    assert follower._apply(REGISTRY_PROMPTS, record.model_dump_json().encode(), 8) == "forged-check"
    assert follower.state.artifact("forged-check", "1.0.0").content_hash == genuine.content_hash
