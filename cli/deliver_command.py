"""`mailspine deliver`: the pipe(8) entry for MTAs that hand a message to a command; exit codes follow sysexits."""

import argparse
import asyncio
import os
import sys
from typing import Any

from shared.errors import UserError

# sysexits.h: an MTA retries on EX_TEMPFAIL and bounces on the others
EX_OK, EX_DATAERR, EX_NOUSER, EX_TEMPFAIL = os.EX_OK, os.EX_DATAERR, os.EX_NOUSER, os.EX_TEMPFAIL


def exit_code(status: str) -> int:
    from services.mail_ingest.delivery import DeliveryStatus

    return {
        DeliveryStatus.DELIVERED: EX_OK,
        DeliveryStatus.UNKNOWN_MAILBOX: EX_NOUSER,
        DeliveryStatus.TOO_LARGE: EX_DATAERR,
        DeliveryStatus.NOT_A_MESSAGE: EX_DATAERR,
        # a configuration the operator must fix is temporary too: the MTA keeps the mail until it is fixed
        DeliveryStatus.KAFKA_UNAVAILABLE: EX_TEMPFAIL,
        DeliveryStatus.MISCONFIGURED: EX_TEMPFAIL,
    }[DeliveryStatus(status)]


async def _deliver(raw: bytes, source_id: str, mailbox: str) -> tuple[int, str]:
    from aiokafka.errors import KafkaError

    from services.mail_ingest.app import BrokerPublisher, build_ingest
    from services.mail_ingest.settings import MailIngestSettings
    from shared.broker import build_broker
    from shared.mail_publisher import MAIL_SOURCE
    from shared.settings import KafkaSettings
    from shared.tracing import shutdown_tracing

    settings = MailIngestSettings()
    try:
        broker = build_broker("mailspine-deliver", KafkaSettings.for_principal(MAIL_SOURCE))
        ingest = build_ingest(BrokerPublisher(broker), source_id=source_id, via="pipe", settings=settings)
    except UserError as exc:
        return EX_TEMPFAIL, f"not delivered, the MTA keeps the mail: {exc}"
    try:
        await asyncio.wait_for(broker.start(), timeout=settings.publish_timeout_seconds)
    except (TimeoutError, KafkaError, OSError) as exc:
        await _stop(broker)
        return EX_TEMPFAIL, f"Kafka unreachable ({type(exc).__name__}); the MTA keeps the mail and retries"
    try:
        result = await ingest.deliver(raw, mailbox)
    finally:
        await _stop(broker)
        shutdown_tracing()
    return exit_code(result.status), f"{result.status}: {result.detail}" + (
        f" ({result.mail_id})" if result.mail_id else "")


async def _stop(broker: Any) -> None:
    try:
        await asyncio.wait_for(broker.stop(), timeout=5)
    except (TimeoutError, OSError):
        pass  # a broker that never connected has nothing to flush


def cmd_deliver(args: argparse.Namespace) -> None:
    raw = sys.stdin.buffer.read()
    code, message = asyncio.run(_deliver(raw, args.source, args.mailbox))
    print(message, file=sys.stdout if code == EX_OK else sys.stderr)
    raise SystemExit(code)


def register(commands: Any) -> None:
    deliver = commands.add_parser(
        "deliver", help="publish the message on standard input for one mailbox (for an MTA's pipe transport)",
        description="Exit 0 once Kafka acknowledged it; 75 (EX_TEMPFAIL) when Kafka is unreachable or a key or "
                    "password is missing, so the MTA retries; 67 (EX_NOUSER) for a mailbox the source may not "
                    "deliver for; 65 (EX_DATAERR) for a message that is too large or malformed.")
    deliver.add_argument("--source", required=True, help="the mail source (in config/gateway-policy.yaml) to sign as")
    deliver.add_argument("--mailbox", required=True, help="the recipient mailbox (the envelope recipient)")
    deliver.set_defaults(run=cmd_deliver)
