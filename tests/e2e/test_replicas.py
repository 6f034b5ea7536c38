"""Scale out by replicas on the real servers: a second runtime and a second gateway process join their consumer
groups (`mailspine up --replicas runtime=2,gateway=2` does the same), and mails published while both run all end,
each once. Tool results then often reach the runtime process whose run is not waiting for them: the run must still
get them (kept in Redis by the other process), not expire."""

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from cli.audit_command import read_audit_events
from infra.kafka_acls import ADMIN
from infra.service_processes import service_status, start_services, stop_services
from shared.contracts.topics import AGENT_RUNS
from shared.mail_publisher import inbound_from_eml, publish_inbound
from shared.settings import KafkaSettings
from tests.support.helpers import read_until, unique_mail

pytestmark = pytest.mark.usefixtures("running_services")

MAILS = 12


async def _members(group: str) -> int:
    admin = AIOKafkaAdminClient(**KafkaSettings.for_principal(ADMIN).client_options())
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
        return len(described[0].groups[0][5])  # (error_code, group_id, state, protocol_type, protocol, members, ...)
    finally:
        await admin.close()


@pytest.mark.timeout(600)
def test_two_runtime_and_two_gateway_processes_end_every_mail_once() -> None:
    alone = {group: asyncio.run(_members(group)) for group in ("runtime", "gateway")}
    started = start_services(replicas={"runtime": 2, "gateway": 2})
    try:
        assert started["runtime.2"] == "started" and started["gateway.2"] == "started", started
        assert service_status()["runtime.2"] and service_status()["gateway.2"]
        # every subscriber of the second process is a member too: the groups doubled
        assert {group: asyncio.run(_members(group)) for group in alone} == {g: 2 * n for g, n in alone.items()}

        mails = [inbound_from_eml(unique_mail(body=f"Please refund EUR {10 + n}.00 for order AC-5582{n:02d}, the "
                                                   "kettle arrived cracked."), source_id="test-mx", tenant="acme")
                 for n in range(MAILS)]
        asyncio.run(publish_inbound(mails))
        wanted = {mail.mail_id for mail in mails}

        def all_ended(records: list[dict]) -> bool:
            return wanted <= {r.get("mail_id") for r in records}

        runs = [r for r in read_until(AGENT_RUNS, all_ended, timeout=300) if r.get("mail_id") in wanted]
        ended = [r["mail_id"] for r in runs]
        assert sorted(ended) == sorted(wanted), f"not ended: {wanted - set(ended)}; twice: " \
                                                f"{sorted(m for m in ended if ended.count(m) > 1)}"
        states = {r["mail_id"]: r["payload"]["terminal_state"] for r in runs}
        assert set(states.values()) == {"completed"}, states
        # a result that reached the other process was still used: no call of these runs expired
        results = [event.detail for mail_id in wanted for event in asyncio.run(read_audit_events(mail_id))
                   if event.chain_id == f"runtime:{mail_id}" and event.action == "result"]
        assert results and [r for r in results if r["status"] != "ok"] == []
    finally:
        stop_services(names={"runtime.2", "gateway.2"})
    assert "runtime.2" not in service_status() and "gateway.2" not in service_status()
