"""The history tool in memory: a LookupCustomer call in, the model-safe view of the CRM record out (keys, ids and
amounts; no name, address or CRM text), through FastStream's test broker with a fake CRM."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from services.tools.history.crm_reader import CrmUnavailable
from services.tools.history.handlers import HistoryDeps, provide, register
from services.tools.history.settings import HistorySettings
from shared.contracts.crm_read import CrmAddress, CrmCase, CrmCustomer, CrmInteraction
from shared.contracts.topics import tool_requests
from shared.tool_service import InMemoryCallResults, ToolPublishers
from tests.support.in_memory_broker import answering_before_returning, unit_broker
from tests.support.tool_calls import tool_call

KEY = "cust_" + "a" * 24
OTHER_KEY = "cust_" + "b" * 24
NOW = datetime(2026, 12, 1, tzinfo=UTC)
DANA = CrmCustomer(
    tenant="acme", customer_id="C-1", customer_key=KEY, name="Dana Whitfield", tier="gold",
    postal_address="12 Harbour Road", addresses=[CrmAddress(address="dana@northwind.example", customer_key=KEY),
                                                 CrmAddress(address="ap@northwind.example", customer_key=OTHER_KEY)],
    open_cases=[CrmCase(case_id="CASE-1", action="create_refund_case", opened_at=NOW, amount=Decimal("418.00"),
                        currency="EUR", order_id="AC-558213", summary="Dana Whitfield wants her money back")],
    interactions=[CrmInteraction(at=NOW, action="create_refund_case", summary="Dana Whitfield wrote", mail_id="m-0")])


@dataclass
class FakeCrm:
    down: bool = False

    async def customer_by_key(self, tenant: str, customer_key: str) -> CrmCustomer | None:
        if self.down:
            raise CrmUnavailable("the CRM did not answer: ConnectError")
        return DANA if (tenant, customer_key) == ("acme", KEY) else None


@pytest.fixture
async def history() -> AsyncIterator[tuple[KafkaBroker, ToolPublishers, FakeCrm]]:
    broker = unit_broker("tool-history")
    publishers = register(broker, HistorySettings())
    crm = FakeCrm()
    provide(broker, HistoryDeps(crm=crm, results=InMemoryCallResults(), rate_gate=None))
    async with TestKafkaBroker(broker) as test_broker:
        yield answering_before_returning(test_broker, publishers.dispatch), publishers, crm


async def _lookup(broker: KafkaBroker, customer_key: str, call_id: str = "call-1", tenant: str = "acme") -> None:
    call = tool_call("history", {"customer_key": customer_key}, call_id=call_id, tenant=tenant, approved=False)
    await broker.publish(call.model_dump(mode="json"), tool_requests("history"))


async def test_a_lookup_returns_keys_ids_and_amounts_and_never_a_name_an_address_or_crm_text(
        history: tuple[KafkaBroker, ToolPublishers, FakeCrm]) -> None:
    broker, publishers, _ = history
    await _lookup(broker, KEY)

    result = publishers.results.mock.call_args.args[0]["payload"]
    assert result["status"] == "ok"
    output = result["output"]
    assert output["found"] is True
    assert output["customer"] == {"customer_key": KEY, "customer_id": "C-1", "address_keys": [KEY, OTHER_KEY],
                                  "tier": "gold"}
    assert output["open_cases"][0]["order_id"] == "AC-558213" and output["open_cases"][0]["amount"] == "418.00"
    assert output["interactions"] == [{"at": "2026-12-01T00:00:00Z", "action": "create_refund_case",
                                       "mail_id": "m-0"}]
    for secret in ("Dana", "Whitfield", "northwind", "Harbour"):
        assert secret not in str(result)


async def test_an_unknown_customer_or_another_tenant_is_not_found_and_a_down_crm_fails_the_call(
        history: tuple[KafkaBroker, ToolPublishers, FakeCrm]) -> None:
    broker, publishers, crm = history
    await _lookup(broker, OTHER_KEY)
    await _lookup(broker, KEY, call_id="call-2", tenant="globex")
    crm.down = True
    await _lookup(broker, KEY, call_id="call-3")

    results = [call.args[0]["payload"] for call in publishers.results.mock.call_args_list]
    assert [(r["status"], r["output"].get("found")) for r in results] == [("ok", False), ("ok", False),
                                                                         ("failed", None)]
    assert "did not answer" in results[2]["reason"]
