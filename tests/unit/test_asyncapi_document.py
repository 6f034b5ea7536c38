"""The committed AsyncAPI document (docs/asyncapi.yaml) is the one the code generates, and it gives every topic in
shared/contracts/topics.py a payload contract that producers and consumers agree on."""

from collections import defaultdict
from typing import Any

import pytest

from cli.asyncapi_document import DOCUMENT, asyncapi_document, asyncapi_yaml
from shared.contracts.topics import all_topics


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document()


def _contracts_by_topic(document: dict[str, Any]) -> dict[str, set[str]]:
    """Topic -> the names of the object schemas its messages carry (raw bytes and untyped dicts are no contract)."""
    schemas = document["components"]["schemas"]
    messages = document["components"]["messages"]
    contracts: dict[str, set[str]] = defaultdict(set)
    for channel in document["channels"].values():
        for reference in channel["messages"].values():
            message = messages[reference["$ref"].rsplit("/", 1)[-1]]
            name = message["payload"].get("$ref", "").rsplit("/", 1)[-1]
            if schemas.get(name, {}).get("properties"):
                contracts[channel["address"]].add(name)
    return contracts


def test_the_committed_document_is_the_one_the_code_generates() -> None:
    assert DOCUMENT.read_text() == asyncapi_yaml(), (
        "a topic contract changed: run `mailspine contracts asyncapi --write` and commit docs/asyncapi.yaml")


def test_every_topic_is_listed_with_a_payload_contract(document: dict[str, Any]) -> None:
    contracts = _contracts_by_topic(document)
    topics = [spec.name for spec in all_topics()]
    assert topics
    assert [topic for topic in topics if not contracts.get(topic)] == []


def test_producers_and_consumers_of_a_topic_agree_on_one_contract(document: dict[str, Any]) -> None:
    disagreements = {topic: names for topic, names in _contracts_by_topic(document).items() if len(names) != 1}
    assert disagreements == {}


def test_the_document_names_who_produces_and_consumes_each_primary_topic(document: dict[str, Any]) -> None:
    operations = document["operations"].values()
    channels = document["channels"]
    sent = {channels[op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"] for op in operations
            if op["action"] == "send"}
    received = {channels[op["channel"]["$ref"].rsplit("/", 1)[-1]]["address"] for op in operations
                if op["action"] == "receive"}
    assert {"mail.inbound.v1", "mail.accepted.v1", "crm.writes.v1", "crm.acks.v1", "agent.runs.v1"} <= sent & received
    assert "mail.inbound.dlq.v1" in sent
