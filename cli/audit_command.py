"""`mailspine audit MAIL_ID`: the mail's audit chains from audit.log.v1 (proposals, critic verdicts, approvals and
who gave them, executions, results), printed link by link, and whether each chain verifies."""

import argparse
import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer

from infra.kafka_acls import ADMIN
from shared.audit import distinct_links, verify_chain, verify_links
from shared.contracts.audit import AuditEvent
from shared.contracts.topics import AUDIT_LOG
from shared.errors import UserError
from shared.settings import KafkaSettings


async def read_audit_events(mail_id: str, kafka: KafkaSettings | None = None) -> list[AuditEvent]:
    """Every audit event about the mail, read from the start of audit.log.v1 up to its current end."""
    kafka = kafka or KafkaSettings.for_principal(ADMIN)
    consumer = AIOKafkaConsumer(**kafka.client_options(), enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.subscribe([AUDIT_LOG])
        events: list[AuditEvent] = []
        batches = await consumer.getmany(timeout_ms=1000)
        while not consumer.assignment():  # no group: every partition is assigned to this reader at once
            batches = await consumer.getmany(timeout_ms=200)
        ends = await consumer.end_offsets(list(consumer.assignment()))
        while True:
            events += [event for records in batches.values() for record in records
                       if (event := AuditEvent.model_validate_json(record.value)).mail_id == mail_id]
            if not [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                break
            batches = await consumer.getmany(timeout_ms=1000)
        return events
    finally:
        await consumer.stop()


def chain_report(events: list[AuditEvent]) -> tuple[list[str], bool]:
    """Lines to print and whether everything verifies: a run's own chain from its first link; a process-wide
    chain (the gateway's, say), which holds other mails' links too, link by link."""
    lines, all_verify = [], True
    for chain_id in sorted({event.chain_id for event in events}):
        links = distinct_links([event for event in events if event.chain_id == chain_id])
        whole = links[0].sequence == 1 and verify_chain(links)
        verifies = whole or verify_links(links)
        all_verify = all_verify and verifies
        state = "verifies" if whole else "links verify (part of a process-wide chain)" if verifies else \
            "DOES NOT VERIFY"
        lines.append(f"chain {chain_id}  {len(links)} links  {state}")
        lines += [f"  {link.sequence:>3} {link.at:%H:%M:%S.%f} {link.action:<17} {_detail(link.detail)}"
                  f"  trace {link.trace_id or '-'}  {link.hash[:12]}" for link in links]
    return lines, all_verify


def _detail(detail: dict[str, Any]) -> str:
    keys = ("function", "verdict", "by", "status", "terminal_state", "reason", "call_id")
    return " ".join(f"{key}={str(detail[key])[:60]}" for key in keys if detail.get(key) not in (None, "", []))


def cmd_audit(args: argparse.Namespace) -> None:
    events = asyncio.run(read_audit_events(args.mail_id))
    if not events:
        raise UserError(f"audit.log.v1 holds no event about mail {args.mail_id}")
    lines, verifies = chain_report(events)
    print("\n".join(lines))
    print(f"mail {args.mail_id}: {'every chain verifies' if verifies else 'a chain does NOT verify'}")
    if not verifies:
        raise SystemExit(1)


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="a mail's audit chain from audit.log.v1, and whether it verifies")
    audit.add_argument("mail_id", help="the id `mailspine send` printed")
    audit.set_defaults(run=cmd_audit)
