"""`python -m standins.smtp_relay`: the outbound SMTP relay stand-in on loopback."""

import asyncio

from shared.smtp_relay import SmtpRelaySettings
from standins.smtp_relay.server import serve

asyncio.run(serve(SmtpRelaySettings()))
