"""The CRM stand-in and the tool services on the running stack: a mail's CRM write acknowledged and stored, a
refused write counted against the run's prompt version, a redelivered write acknowledged once, the history tool
answering from the CRM without PII, the read API's scopes, and bad tool input dead-lettered while the tool serves."""

import base64
import email
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from shared.bearer_tokens import write_tokens
from shared.contracts.eval_score import CRM_ACCEPTED
from shared.contracts.mail import InboundMail
from shared.contracts.topics import (
    CRM_ACKS,
    CRM_WRITES,
    MAIL_ACCEPTED,
    dead_letter_topic,
    tool_requests,
    tool_results,
)
from shared.crm_endpoint import CrmEndpointSettings, crm_read_token_file
from shared.settings import PathSettings
from standins.crm.settings import CrmStandinSettings
from tests.support.eval_helpers import publish_as, run_of, score_of_origin
from tests.support.helpers import read_until, send_mails
from tests.support.tool_calls import tool_call

pytestmark = pytest.mark.usefixtures("running_services")


def _of_mail(topic: str, mail_id: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
    records = read_until(topic, lambda rs: sum(r.get("mail_id") == mail_id for r in rs) >= count, timeout)
    return [r for r in records if r.get("mail_id") == mail_id]


def _result_of(tool: str, call_id: str, timeout: float = 60) -> dict[str, Any]:
    records = read_until(tool_results(tool), lambda rs: any(r["payload"]["call_id"] == call_id for r in rs), timeout)
    return next(r["payload"] for r in records if r["payload"]["call_id"] == call_id)


def _reader(principal: str = "tool-history") -> httpx.Client:
    token = crm_read_token_file(PathSettings().secrets_dir, principal).read_text().strip()
    return httpx.Client(base_url=CrmEndpointSettings().url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _sender(mail: InboundMail) -> str:
    return str(email.message_from_bytes(base64.b64decode(mail.payload.raw_b64))["From"]).split("<")[1].rstrip(">")


@pytest.fixture(scope="module")
def written_mail() -> tuple[InboundMail, dict[str, Any], dict[str, Any]]:
    """One refund mail through the stack: the mail, its CRM write and the CRM's acknowledgement."""
    [mail] = send_mails(1)
    [write] = _of_mail(CRM_WRITES, mail.mail_id)
    [ack] = _of_mail(CRM_ACKS, mail.mail_id)
    return mail, write, ack


def test_a_mails_crm_write_is_acknowledged_on_crm_acks_and_stored_in_the_crm(
        written_mail: tuple[InboundMail, dict[str, Any], dict[str, Any]]) -> None:
    mail, write, ack = written_mail
    assert ack["payload"]["idempotency_key"] == write["payload"]["idempotency_key"]
    assert (ack["payload"]["action"], ack["payload"]["accepted"]) == ("create_refund_case", True), ack
    with _reader() as crm:
        answer = crm.post("/v1/tenants/acme/customers/by-address", json={"address": _sender(mail)})
    assert answer.status_code == 200, answer.text
    customer = answer.json()
    assert customer["customer_key"] == write["payload"]["customer_key"]
    assert [i["mail_id"] for i in customer["interactions"]] == [mail.mail_id]
    [case] = customer["open_cases"]
    assert (case["action"], case["amount"], case["currency"]) == ("create_refund_case", "418.00", "EUR")


def test_a_write_the_crm_refuses_gets_a_reject_ack_and_counts_as_crm_accepted_false_for_the_runs_prompt(
        written_mail: tuple[InboundMail, dict[str, Any], dict[str, Any]]) -> None:
    mail, _, _ = written_mail
    run = run_of(mail.mail_id)
    [accepted] = _of_mail(MAIL_ACCEPTED, mail.mail_id)
    # an address change without the new address: the CRM's own rules refuse it
    arguments = {"action": "update_address", "customer_address": accepted["payload"]["sender_address"],
                 "summary": "The customer moved."}
    call = tool_call("crm_writer", arguments, call_id=f"call-{uuid.uuid4().hex[:12]}", mail_id=mail.mail_id)
    publish_as("runtime", tool_requests("crm_writer"), call.model_dump(mode="json"), mail.mail_id)

    result = _result_of("crm_writer", call.payload.call_id)
    assert result["status"] == "ok" and result["output"]["published"] is True
    key = result["output"]["idempotency_key"]
    acks = _of_mail(CRM_ACKS, mail.mail_id, count=2)
    [refusal] = [a["payload"] for a in acks if a["payload"]["idempotency_key"] == key]
    assert refusal["accepted"] is False and refusal["reason"] == "update_address needs new_address"

    score = score_of_origin(mail.mail_id, CRM_ACCEPTED, f"ack:{key}")
    assert score["passed"] is False and score["detail"]["reason"] == "update_address needs new_address"
    # the run used the extraction prompt and the planner's; the CRM's verdict is scored against the extraction's
    [prompt] = [p for p in run["payload"]["prompts"] if p["name"] == "extract-email"]
    assert (score["run"]["trace_id"], score["run"]["prompt"], score["run"]["prompt_version"]) == (
        run["payload"]["trace_id"], prompt["name"], prompt["version"])


def test_a_redelivered_write_is_acknowledged_once_and_a_repeated_call_writes_nothing_again(
        written_mail: tuple[InboundMail, dict[str, Any], dict[str, Any]]) -> None:
    mail, write, _ = written_mail
    key = write["payload"]["idempotency_key"]
    value = {name: field for name, field in write.items() if not name.startswith("_")}
    publish_as("tool-crm-writer", CRM_WRITES, value, key)  # as the writer would after a crash before its commit
    [accepted] = _of_mail(MAIL_ACCEPTED, mail.mail_id)
    arguments = {"action": "create_refund_case", "customer_address": accepted["payload"]["sender_address"],
                 "summary": "again", "amount": "418.00", "currency": "EUR"}
    call = tool_call("crm_writer", arguments, call_id=f"call-{uuid.uuid4().hex[:12]}", mail_id=mail.mail_id)
    for _ in range(2):
        publish_as("runtime", tool_requests("crm_writer"), call.model_dump(mode="json"), mail.mail_id)

    assert _result_of("crm_writer", call.payload.call_id)["output"] == {"idempotency_key": key, "published": False}
    read_until(tool_results("crm_writer"), lambda rs: sum(r["payload"]["call_id"] == call.payload.call_id
                                                           for r in rs) >= 2, 30)
    # read on a little longer: a second ack or write would be right behind
    acks = read_until(CRM_ACKS, lambda _: False, 5)
    assert [a["payload"]["idempotency_key"] for a in acks].count(key) == 1
    writes = read_until(CRM_WRITES, lambda _: False, 3)
    assert [w["payload"]["idempotency_key"] for w in writes].count(key) == 2  # the original and the redelivery


def test_the_history_tool_returns_the_customers_record_without_a_name_or_an_address(
        written_mail: tuple[InboundMail, dict[str, Any], dict[str, Any]]) -> None:
    mail, write, _ = written_mail
    [accepted] = _of_mail(MAIL_ACCEPTED, mail.mail_id)
    customer_key = accepted["payload"]["address_keys"][accepted["payload"]["sender_address"]]
    assert customer_key == write["payload"]["customer_key"]  # the gateway and the CRM name the customer alike
    call = tool_call("history", {"customer_key": customer_key}, call_id=f"call-{uuid.uuid4().hex[:12]}",
                     mail_id=mail.mail_id, approved=False)
    publish_as("admin", tool_requests("history"), call.model_dump(mode="json"), mail.mail_id)

    result = _result_of("history", call.payload.call_id)
    assert result["status"] == "ok", result
    output = result["output"]
    assert output["found"] is True and output["customer"]["address_keys"] == [customer_key]
    assert mail.mail_id in [i["mail_id"] for i in output["interactions"]]
    assert output["open_cases"][0]["amount"] == "418.00"
    assert _sender(mail) not in str(result) and "Dana" not in str(result)


@pytest.fixture
def other_scope_token() -> Iterator[str]:
    tokens_file = CrmStandinSettings().tokens_file
    original = tokens_file.read_text()
    entries = yaml.safe_load(original)["tokens"]
    token = f"mscrm_test_{uuid.uuid4().hex}"
    write_tokens(tokens_file, {**entries, token: {"principal": "crm-auditor", "roles": ["crm:audit"]}}, "")
    yield token
    tokens_file.write_text(original)


def test_the_crm_read_api_refuses_a_missing_unknown_or_wrong_scope_token(other_scope_token: str) -> None:
    url = f"{CrmEndpointSettings().url}/v1/tenants/acme/customers/cust_{'0' * 24}"
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, timeout=10, headers={"Authorization": "Bearer mscrm_wrong"}).status_code == 401
    wrong_scope = httpx.get(url, timeout=10, headers={"Authorization": f"Bearer {other_scope_token}"})
    assert wrong_scope.status_code == 403 and "crm:read" in wrong_scope.json()["detail"]
    with _reader("tool-email-sender") as crm:
        assert crm.get(url.removeprefix(CrmEndpointSettings().url)).status_code == 404  # allowed, nobody there


def test_bad_tool_input_is_dead_lettered_with_its_reason_and_the_tool_keeps_serving() -> None:
    requests = tool_requests("history")
    mail_id = f"m-bad-{uuid.uuid4().hex[:8]}"
    publish_as("admin", requests, {"tenant": "acme", "mail_id": mail_id, "payload": {"call_id": "x"}}, mail_id)
    oversize = tool_call("history", {"customer_key": f"cust_{'0' * 24}", "padding": "x" * 100_000},
                         call_id=f"call-{uuid.uuid4().hex[:12]}", mail_id=mail_id, approved=False)
    publish_as("admin", requests, oversize.model_dump(mode="json"), mail_id)
    good = tool_call("history", {"customer_key": f"cust_{'0' * 24}"}, call_id=f"call-{uuid.uuid4().hex[:12]}",
                     mail_id=mail_id, approved=False)
    publish_as("admin", requests, good.model_dump(mode="json"), mail_id)

    assert _result_of("history", good.payload.call_id)["output"]["found"] is False

    def missing_fields(error: str) -> bool:
        return "Field required" in error and "run_id" in error

    def too_large(error: str) -> bool:
        return oversize.payload.call_id in error and "exceed this tool's limit" in error

    letters = read_until(dead_letter_topic(requests), lambda rs: any(missing_fields(r["error"]) for r in rs)
                         and any(too_large(r["error"]) for r in rs), 30)
    errors = [letter["error"] for letter in letters]
    assert any(missing_fields(e) for e in errors) and any(too_large(e) for e in errors), errors
