import pytest
from pydantic import ValidationError

from shared.contracts.crm import CrmAction, crm_idempotency_key
from shared.contracts.golden import CrmActionLabel
from shared.contracts.mail import InboundMail, RawMail, mail_id_for
from shared.contracts.topics import (
    AUDIT_LOG,
    MAIL_INBOUND,
    REGISTRY_EVENTS,
    REGISTRY_PROMPTS,
    all_topics,
    dead_letter_topic,
)


def test_dead_letter_topic_keeps_the_version_last() -> None:
    assert dead_letter_topic("mail.accepted.v1") == "mail.accepted.dlq.v1"
    assert dead_letter_topic("tool.crm_writer.requests.v1") == "tool.crm_writer.requests.dlq.v1"


def test_every_architecture_topic_is_declared_once_with_its_retention() -> None:
    specs = {spec.name: spec for spec in all_topics()}
    assert len(specs) == len(all_topics())
    for name in ("mail.inbound.v1", "mail.accepted.v1", "mail.quarantine.v1", "crm.writes.v1", "crm.acks.v1",
                 "review.requests.v1", "review.decisions.v1", "mail.outbound.v1", "agent.runs.v1",
                 "eval.scores.v1", "registry.prompts.v1", "registry.events.v1", "audit.log.v1",
                 "tool.crm_writer.requests.v1", "tool.crm_writer.results.v1"):
        assert name in specs
    for never_expires in (AUDIT_LOG, REGISTRY_EVENTS, REGISTRY_PROMPTS):
        assert specs[never_expires].configs(1)["retention.ms"] == "-1"
    assert specs[REGISTRY_PROMPTS].configs(1)["cleanup.policy"] == "compact"
    assert specs[MAIL_INBOUND].configs(123)["max.message.bytes"] == "123"
    assert "mail.inbound.dlq.v1" in specs
    assert "registry.prompts.dlq.v1" not in specs  # compacted state is never dead-lettered


def test_mail_id_is_stable_per_source_and_message_id() -> None:
    assert mail_id_for("mx-1", "<a@b>") == mail_id_for("mx-1", "<a@b>")
    assert mail_id_for("mx-1", "<a@b>") != mail_id_for("mx-2", "<a@b>")
    assert mail_id_for("mx-1", "<a@b>") != mail_id_for("mx-1", "<a@c>")


def test_crm_actions_are_the_label_vocabulary_without_none() -> None:
    labels = {(label.name, label.value) for label in CrmActionLabel if label is not CrmActionLabel.NONE}
    assert {(action.name, action.value) for action in CrmAction} == labels


def test_crm_idempotency_key_derives_from_mail_and_action() -> None:
    key = crm_idempotency_key("m-1", CrmAction.LOG_INTERACTION)
    assert key == crm_idempotency_key("m-1", CrmAction.LOG_INTERACTION)
    assert key != crm_idempotency_key("m-2", CrmAction.LOG_INTERACTION)


def _raw_mail() -> dict:
    return {"source_id": "mx", "mailbox": "a@b.example", "message_id": "<x@y>", "raw_b64": "",
            "received_at": "2026-11-24T00:00:00Z"}


def test_envelope_refuses_unknown_fields_and_future_schema_versions() -> None:
    InboundMail.model_validate({"tenant": "t", "mail_id": "m", "payload": _raw_mail()})
    with pytest.raises(ValidationError):
        InboundMail.model_validate({"tenant": "t", "mail_id": "m", "payload": _raw_mail(), "extra": 1})
    with pytest.raises(ValidationError):
        InboundMail.model_validate({"tenant": "t", "mail_id": "m", "payload": _raw_mail(), "schema_version": 2})
    with pytest.raises(ValidationError):
        RawMail.model_validate({**_raw_mail(), "mailbox": ""})
