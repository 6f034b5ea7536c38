"""Serves SMTP on loopback with AUTH required for every message, until SIGTERM or SIGINT."""

import asyncio
import logging
import signal
import warnings

from aiosmtpd.smtp import SMTP

from shared.smtp_relay import SmtpRelaySettings
from shared.trace_logging import setup_logging
from standins.smtp_relay.credentials import RelayCredentials
from standins.smtp_relay.maildir_delivery import MaildirDelivery, relay_maildir

logger = logging.getLogger(__name__)
SERVICE_NAME = "smtp-relay"
HOSTNAME = "mailspine-smtp-relay"


def relay_protocol(delivery: MaildirDelivery, credentials: RelayCredentials) -> SMTP:
    # AUTH without TLS: the relay binds to 127.0.0.1 only, so the password never crosses a network, and a local
    # stand-in has no certificate to offer. A production relay must require STARTTLS before AUTH.
    return SMTP(delivery, hostname=HOSTNAME, authenticator=credentials, auth_required=True,
                auth_require_tls=False)


async def serve(settings: SmtpRelaySettings) -> None:
    setup_logging(SERVICE_NAME)
    # aiosmtpd warns on every connection that AUTH without TLS is unsafe; the reason it is right here is above
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    delivery = MaildirDelivery(relay_maildir())
    credentials = RelayCredentials.load()
    if not credentials.passwords:
        logger.warning("no relay user has a password file: every login will be refused")
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: relay_protocol(delivery, credentials), settings.host, settings.port)
    logger.info("SMTP relay stand-in on %s:%d, users %s, maildir %s", settings.host, settings.port,
                sorted(credentials.passwords), relay_maildir())
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
    finally:
        server.close()
        await server.wait_closed()
