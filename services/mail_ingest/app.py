"""LMTP ingest process: ``python -m services.mail_ingest``. The composition root builds every adapter once."""

import asyncio
import logging
import signal

from faststream.kafka import KafkaBroker

from services.mail_ingest.delivery import MailIngest
from services.mail_ingest.lmtp_server import IngestHandler, IngestLMTP
from services.mail_ingest.settings import MailIngestSettings
from shared.broker import build_broker
from shared.contracts.mail import InboundMail
from shared.contracts.topics import MAIL_INBOUND
from shared.mail_sources import DeliveryPolicy, MailSourceSettings, SourceKeyring
from shared.trace_logging import setup_logging
from shared.tracing import shutdown_tracing

logger = logging.getLogger(__name__)


class BrokerPublisher:
    """Publishes through a FastStream broker: its telemetry middleware puts the trace context in the headers."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def publish(self, mail: InboundMail, headers: dict[str, str]) -> None:
        # FastStream awaits the broker's acknowledgement (acks=all, idempotent producer) before returning
        await self.broker.publish(mail.model_dump_json().encode(), MAIL_INBOUND, key=mail.mail_id.encode(),
                                  headers=headers)


def build_ingest(publisher: BrokerPublisher, *, source_id: str, via: str,
                 settings: MailIngestSettings | None = None) -> MailIngest:
    settings = settings or MailIngestSettings()
    sources = MailSourceSettings()
    return MailIngest(source_id=source_id, policy=DeliveryPolicy.load(sources.policy_file),
                      keyring=SourceKeyring(sources.source_keys_dir), publisher=publisher,
                      hostname=settings.hostname, max_message_bytes=settings.max_message_bytes,
                      publish_timeout=settings.publish_timeout_seconds, via=via)


async def serve(settings: MailIngestSettings) -> None:
    """Serve LMTP until SIGTERM or SIGINT, then finish the deliveries in flight and stop."""
    setup_logging(settings.service_name)
    broker = build_broker(settings.service_name)
    await broker.start()  # connects the producer first: the port opens only when Kafka can be reached
    ingest = build_ingest(BrokerPublisher(broker), source_id=settings.source_id, via="lmtp", settings=settings)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: IngestLMTP(IngestHandler(ingest), hostname=settings.hostname,
                           data_size_limit=settings.max_message_bytes),
        settings.host, settings.port)
    logger.info("LMTP on %s:%d for source %s", settings.host, settings.port, settings.source_id)
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
    finally:
        server.close()
        await server.wait_closed()
        await broker.stop()
        shutdown_tracing()
