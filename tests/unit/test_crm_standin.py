"""The CRM stand-in's own rules, its SQLite database, its acknowledgements (FastStream's test broker) and its
read API's scopes (FastAPI's test client), without servers."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from faststream.kafka import KafkaBroker, TestKafkaBroker

from shared.bearer_tokens import TokenTable, write_tokens
from shared.contracts.topics import CRM_WRITES
from shared.customer_keys import CustomerKeys
from standins.crm import read_api
from standins.crm.acknowledgements import AckPublishers, provide, register
from standins.crm.database import CrmDatabase
from standins.crm.rules import IncomingWrite, write_problem
from standins.crm.settings import CrmStandinSettings
from tests.support.in_memory_broker import unit_broker

KEYS = CustomerKeys(b"unit-test-customer-key-secret-32b")
DANA = "dana.whitfield@northwind.example"


def _write(**changes: Any) -> dict[str, Any]:
    write = {"idempotency_key": "k-1", "action": "create_refund_case", "customer_address": DANA,
             "summary": "Dana asks for a refund", "order_id": "AC-558213", "amount": "418.00", "currency": "EUR"}
    return write | changes


@pytest.mark.parametrize(("changes", "known", "problem"), [
    ({}, False, None),
    ({"action": "delete_everything"}, True, "unknown action 'delete_everything'"),
    ({"amount": None}, True, "create_refund_case needs an amount and a currency"),
    ({"amount": "-5.00"}, True, "must be zero or more"),
    ({"amount": "lots"}, True, "is not a number"),
    ({"currency": "euro"}, True, "not a three-letter code"),
    ({"action": "update_address", "new_address": "1 Main St"}, False, "needs a known customer"),
    ({"action": "update_address"}, True, "update_address needs new_address"),
    ({"action": "flag_invoice_dispute"}, True, "flag_invoice_dispute needs invoice_id"),
    ({"customer_address": "<EMAIL_1>"}, True, "not an e-mail address"),
    ({"action": "log_interaction", "amount": None, "summary": " "}, True, "the summary is empty"),
])
def test_the_crm_accepts_or_refuses_a_write_by_its_own_rules(changes: dict[str, Any], known: bool,
                                                             problem: str | None) -> None:
    found = write_problem(IncomingWrite.model_validate(_write(**changes)), customer_known=known)
    assert found == problem or (problem is not None and found is not None and problem in found)


@pytest.fixture
def database(tmp_path: Path) -> Iterator[CrmDatabase]:
    database = CrmDatabase(tmp_path / "crm.sqlite3", KEYS)
    database.add_customer("acme", [DANA, "accounts@northwind.example"], "Dana Whitfield", "gold", "C-1")
    yield database
    database.close()


def test_an_accepted_write_opens_a_case_and_becomes_an_interaction_of_the_customer(database: CrmDatabase) -> None:
    write = IncomingWrite.model_validate(_write())
    recorded = database.record("acme", "m-1", write, None)
    assert recorded.accepted and not recorded.acknowledged

    customer = database.customer_by_key("acme", KEYS.of(DANA))
    assert customer is not None and customer.customer_id == "C-1"
    assert [a.customer_key for a in customer.addresses] == [KEYS.of(DANA), KEYS.of("accounts@northwind.example")]
    [case] = customer.open_cases
    assert (case.action, str(case.amount), case.currency, case.order_id) == (
        "create_refund_case", "418.00", "EUR", "AC-558213")
    assert [(i.action, i.mail_id) for i in customer.interactions] == [("create_refund_case", "m-1")]
    assert database.customer_by_key("globex", KEYS.of(DANA)) is None  # tenants never see each other's customers


def test_a_write_for_a_new_address_creates_the_customer_and_a_rejected_write_changes_nothing(
        database: CrmDatabase) -> None:
    database.record("acme", "m-2", IncomingWrite.model_validate(_write(idempotency_key="k-2",
                                                                       customer_address="new@x.example")), None)
    assert database.customer_of_address("acme", "NEW@x.example") is not None
    rejected = database.record("acme", "m-3", IncomingWrite.model_validate(
        _write(idempotency_key="k-3", customer_address="other@x.example")), "a reason")
    assert not rejected.accepted and rejected.reason == "a reason"
    assert database.customer_of_address("acme", "other@x.example") is None
    assert database.recorded_write("k-3") == rejected


@pytest.fixture
async def crm(database: CrmDatabase) -> AsyncIterator[tuple[KafkaBroker, AckPublishers]]:
    broker = unit_broker("crm")
    publishers = register(broker, CrmStandinSettings())
    provide(broker, database)
    async with TestKafkaBroker(broker) as test_broker:
        yield test_broker, publishers


async def test_every_write_is_acknowledged_once_even_when_it_is_delivered_twice(
        crm: tuple[KafkaBroker, AckPublishers]) -> None:
    broker, publishers = crm
    message = {"tenant": "acme", "mail_id": "m-1", "payload": _write()}
    for _ in range(2):
        await broker.publish(message, CRM_WRITES, key=b"k-1")
    refused = {"tenant": "acme", "mail_id": "m-2", "payload": _write(idempotency_key="k-2", amount="-1")}
    await broker.publish(refused, CRM_WRITES, key=b"k-2")

    acks = [call.args[0] for call in publishers.acks.mock.call_args_list]
    assert [(a["mail_id"], a["payload"]["accepted"]) for a in acks] == [("m-1", True), ("m-2", False)]
    assert "must be zero or more" in acks[1]["payload"]["reason"]


def _read_api(database: CrmDatabase, tokens_file: Path) -> TestClient:
    app = FastAPI()
    read_api.install(app)
    app.state.database, app.state.tokens, app.state.ready = database, TokenTable(tokens_file), True
    return TestClient(app)


def test_the_read_api_answers_a_reader_and_refuses_a_missing_or_wrong_scope_token(
        database: CrmDatabase, tmp_path: Path) -> None:
    tokens_file = tmp_path / "tokens.yaml"
    write_tokens(tokens_file, {"reader-token": {"principal": "tool-history", "roles": ["crm:read"]},
                               "writer-token": {"principal": "someone", "roles": ["crm:write"]}}, "")
    client = _read_api(database, tokens_file)
    url = f"/v1/tenants/acme/customers/{KEYS.of(DANA)}"

    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer writer-token"}).status_code == 403
    reader = {"Authorization": "Bearer reader-token"}
    answer = client.get(url, headers=reader)
    assert answer.status_code == 200 and answer.json()["customer_id"] == "C-1"
    by_address = client.post("/v1/tenants/acme/customers/by-address", json={"address": DANA.upper()}, headers=reader)
    assert by_address.status_code == 200 and by_address.json()["customer_id"] == "C-1"
    assert client.get(f"/v1/tenants/acme/customers/{KEYS.of('nobody@x.example')}", headers=reader).status_code == 404
