"""The mail history end to end: a mail the agent finished is indexed by the history-indexer process, and the
retriever process finds it for a later mail of the same customer (named by customer key), in the mail's tenant
only; bad tool input is dead-lettered with its reason while the retriever keeps serving."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from infra.kafka_acls import ADMIN
from shared.contracts.tool_calls import ToolCall, ToolCallMessage
from shared.contracts.topics import dead_letter_topic, tool_requests, tool_results
from shared.customer_keys import CustomerKeys
from shared.mail_history.connection import connect
from shared.mail_history.schema import object_uuid
from shared.mail_publisher import inbound_from_eml, publish_inbound
from shared.settings import KafkaSettings, WeaviateSettings
from tests.support.helpers import read_until, wait_for

pytestmark = pytest.mark.usefixtures("running_services")

REQUESTS, RESULTS = tool_requests("retriever"), tool_results("retriever")
FIRST = ("Blender arrived broken, order AC-100231",
         "Hello, the blender from order AC-100231 arrived with a cracked jug. Please refund EUR 49.90.")
SECOND = "I wrote last week about the cracked blender jug from order AC-100231. The refund has not arrived yet."


def send_from(address: str, subject: str, body: str) -> str:
    raw = (f"From: Dana Whitfield <{address}>\r\nTo: support@acme.example\r\nSubject: {subject}\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@northwind.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           f"{body}\r\n").encode()
    mail = inbound_from_eml(raw, source_id="test-mx", tenant="acme")
    asyncio.run(publish_inbound([mail]))
    return mail.mail_id


def is_indexed(tenant: str, mail_id: str) -> bool:
    with connect(WeaviateSettings.load()) as operator:
        history = operator.collections.use(WeaviateSettings.load().mail_history_collection).with_tenant(tenant)
        try:
            return history.query.fetch_object_by_id(object_uuid(mail_id)) is not None
        except Exception:  # noqa: BLE001 - the tenant exists only after the first write
            return False


def search_call(arguments: dict[str, Any], tenant: str = "acme") -> ToolCallMessage:
    call = ToolCall(call_id=f"call-{uuid.uuid4().hex[:20]}", run_id="run-e2e", tool="search_history",
                    arguments=arguments, deadline=datetime.now(UTC) + timedelta(minutes=2))
    return ToolCallMessage(tenant=tenant, mail_id="m-later", payload=call)


async def _publish(values: list[bytes]) -> None:
    producer = AIOKafkaProducer(**KafkaSettings.for_principal(ADMIN).client_options())
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(REQUESTS, value, key=b"m-later")
    finally:
        await producer.stop()


def answers(calls: list[ToolCallMessage]) -> dict[str, dict[str, Any]]:
    wanted = {call.payload.call_id for call in calls}
    records = read_until(RESULTS, lambda rs: wanted <= {r["payload"]["call_id"] for r in rs if "payload" in r},
                         timeout=120)
    return {r["payload"]["call_id"]: r["payload"] for r in records if r.get("payload", {}).get("call_id") in wanted}


def test_a_later_mail_of_the_customer_retrieves_the_first_from_its_own_tenant_only() -> None:
    address = f"dana.{uuid.uuid4().hex[:8]}@northwind.example"
    first = send_from(address, *FIRST)
    assert wait_for(lambda: is_indexed("acme", first), timeout=180), f"{first} was never indexed"

    dana = CustomerKeys.load().of(address)
    mine = search_call({"query": SECOND, "customer_key": dana})
    elsewhere = search_call({"query": SECOND, "customer_key": dana}, tenant="globex")
    asyncio.run(_publish([mine.model_dump_json().encode(), elsewhere.model_dump_json().encode()]))
    results = answers([mine, elsewhere])

    found = results[mine.payload.call_id]
    assert found["status"] == "ok"
    assert [hit["mail_id"] for hit in found["output"]["hits"]] == [first]
    hit = found["output"]["hits"][0]
    assert hit["customer_key"] == dana and "AC-100231" in hit["excerpt"] and address not in str(hit)
    assert found["output"]["index_version"].startswith("mail-history-")
    assert results[elsewhere.payload.call_id]["output"]["hits"] == []


def test_bad_tool_input_is_dead_lettered_with_its_reason_and_the_retriever_keeps_serving() -> None:
    missing_query = search_call({"customer_key": "cust_" + "0" * 24})
    oversize = search_call({"query": "refund " * 12_000})
    good = search_call({"query": "refund"})
    asyncio.run(_publish([b"not json at all", missing_query.model_dump_json().encode(),
                          oversize.model_dump_json().encode(), good.model_dump_json().encode()]))

    assert answers([good])[good.payload.call_id]["status"] == "ok"  # it moved past the bad ones
    letters = read_until(dead_letter_topic(REQUESTS),
                         lambda rs: sum(missing_query.payload.call_id in r.get("error", "")
                                        or oversize.payload.call_id in r.get("error", "") for r in rs) >= 2,
                         timeout=60)
    errors = [letter["error"] for letter in letters]
    assert any(missing_query.payload.call_id in e and "query: Field required" in e for e in errors)
    assert any(oversize.payload.call_id in e and "exceed this tool's limit" in e for e in errors)
    assert any(letter["original_size"] == len(b"not json at all") for letter in letters)
