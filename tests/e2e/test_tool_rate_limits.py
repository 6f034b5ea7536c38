"""A burst over a tenant's rate limit on the real servers: 100 history calls of one tenant against its limit of
10/s (tests/support/tool-limits.yaml) are all answered, once each, spread over about 10 s; calls of another
tenant published right behind them, in the same partition, are answered at once, not after the burst."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from infra.kafka_acls import ADMIN
from shared.contracts.tool_calls import ToolCallMessage
from shared.contracts.topics import tool_requests, tool_results
from shared.settings import KafkaSettings
from shared.tool_service import ToolLimitsFile
from tests.support.helpers import read_until
from tests.support.isolated_stack import isolate_test_stack
from tests.support.tool_calls import tool_call

pytestmark = pytest.mark.usefixtures("running_services")

BURST, OTHERS = 100, 5
NOBODY = f"cust_{'0' * 24}"  # a customer the CRM stand-in does not know: the lookup answers found=False


def _calls(tenant: str, count: int, mail_id: str) -> list[ToolCallMessage]:
    return [tool_call("history", {"customer_key": NOBODY}, call_id=f"call-{tenant}-{n}-{uuid.uuid4().hex[:8]}",
                      mail_id=mail_id, tenant=tenant, approved=False) for n in range(count)]


async def _publish(calls: list[ToolCallMessage], key: bytes) -> None:
    producer = AIOKafkaProducer(**KafkaSettings.for_principal(ADMIN).client_options())
    await producer.start()
    try:
        sent = [await producer.send(tool_requests("history"), call.model_dump_json().encode(), key=key)
                for call in calls]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def test_a_burst_over_one_tenants_limit_is_spread_out_none_lost_and_another_tenant_is_not_slowed() -> None:
    limits_file = isolate_test_stack()["MAILSPINE_HISTORY_LIMITS_FILE"]
    per_second = ToolLimitsFile.load(Path(limits_file)).for_tool("history")
    assert per_second.per_tenant == "10/second", "the test stack's history limit is not the one this test needs"

    run = uuid.uuid4().hex[:6]
    mail_id = f"m-burst-{run}"  # one key: every call lands in the same partition, B's behind all of A's
    burst = _calls(f"burst-a-{run}", BURST, mail_id)
    others = _calls(f"burst-b-{run}", OTHERS, mail_id)
    asyncio.run(_publish(burst + others, key=mail_id.encode()))

    wanted = {call.payload.call_id for call in burst + others}
    records = read_until(tool_results("history"),
                         lambda rs: wanted <= {r.get("payload", {}).get("call_id") for r in rs}, timeout=180)
    answers: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record.get("payload", {}).get("call_id") in wanted:
            answers.setdefault(record["payload"]["call_id"], []).append(record)

    # none lost, none answered twice, every one run
    assert set(answers) == wanted, f"{len(wanted - set(answers))} calls were never answered"
    assert all(len(copies) == 1 for copies in answers.values()), "a call was answered more than once"
    assert {copies[0]["payload"]["status"] for copies in answers.values()} == {"ok"}

    def answered_at(calls: list[ToolCallMessage]) -> list[int]:
        return sorted(answers[call.payload.call_id][0]["_timestamp_ms"] for call in calls)

    a_times, b_times = answered_at(burst), answered_at(others)
    spread_s = (a_times[-1] - a_times[0]) / 1000
    a_waits = [answers[call.payload.call_id][0]["payload"]["rate_limit_wait_ms"] for call in burst]
    b_waits = [answers[call.payload.call_id][0]["payload"]["rate_limit_wait_ms"] for call in others]
    print(f"burst of {BURST} at 10/s answered over {spread_s:.2f} s; A waited {sum(a_waits) / 1000:.2f} s in "
          f"all for the limit; B answered {(b_times[-1] - a_times[0]) / 1000:.2f} s after A's first, waits "
          f"{b_waits}")

    # the limiter, not the machine: at most 10 of A's calls in any second, so 100 take at least 9 s
    assert spread_s >= 8.5, f"A's burst was answered within {spread_s:.2f} s: its limit did not hold"
    assert sum(a_waits) > 0, "none of A's calls waited for its limit"
    # B, behind all of A in the partition, waited for nobody: neither for its limit nor for A's turn
    assert b_waits == [0.0] * OTHERS
    assert b_times[-1] < a_times[-1], "B's calls were answered only after A's burst"
    assert b_times[-1] - a_times[0] < (a_times[-1] - a_times[0]) / 2, "B's calls waited behind A's burst"
