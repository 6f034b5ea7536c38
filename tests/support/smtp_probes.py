"""SMTP-relay rows of the least-privilege matrix, derived from shared/smtp_relay.py SMTP_RELAY_USERS: every service
identity with the relay password it would find as its own (most find none, and then try without logging in),
plus guessed, borrowed and missing credentials.

A probe logs in (if it has a password), then asks to send from the organisation to an outside address (MAIL FROM,
RCPT TO) and resets: the relay's answer to those commands is its decision, and nothing is delivered. An outside
recipient without a login is the open-relay case."""

import asyncio
import smtplib
from functools import partial

from shared.smtp_relay import SMTP_RELAY_USERS, SmtpRelaySettings
from tests.support.access_matrix import Probe, service_principals

FROM, TO = "support@acme.example", "someone@outside.example"
_AUTH_REFUSED, _AUTH_REQUIRED = 535, 530


def _submit(login: tuple[str, str] | None) -> bool:
    settings = SmtpRelaySettings()
    with smtplib.SMTP(settings.host, settings.port, timeout=10) as smtp:
        smtp.ehlo()
        if login is not None:
            try:
                smtp.login(*login)
            except smtplib.SMTPAuthenticationError as refused:
                if refused.smtp_code == _AUTH_REFUSED:
                    return False
                raise
        code, answer = smtp.mail(FROM)
        if code == _AUTH_REQUIRED:
            return False
        assert code == 250, f"MAIL FROM answered {code} {answer!r}"
        code, answer = smtp.rcpt(TO)
        assert code == 250, f"RCPT TO answered {code} {answer!r}"
        smtp.rset()
        return True


async def attempt(login: tuple[str, str] | None) -> bool:
    return await asyncio.to_thread(_submit, login)


def own_login(principal: str) -> tuple[str, str] | None:
    """The principal's relay account, or None when it holds no relay password."""
    settings = SmtpRelaySettings.for_user(principal)
    password = settings.password.get_secret_value()
    return (principal, password) if password else None


def smtp_probes() -> list[Probe]:
    resource = f"{FROM} -> {TO}"
    probes = [Probe("smtp-relay", principal, resource, "submit", principal in SMTP_RELAY_USERS,
                    partial(attempt, own_login(principal)))
              for principal in service_principals()]
    senders = [login for user in SMTP_RELAY_USERS if (login := own_login(user))]
    assert senders, "no relay user holds a password: `mailspine up` generates them"
    user, password = senders[0]
    for credential, login in (("no credentials (open relay)", None), (f"{user}, wrong password", (user, "guessed")),
                              (f"{user}'s password under another name", ("tool-crm-writer", password)),
                              ("an unknown user", ("postmaster", "postmaster"))):
        probes.append(Probe("smtp-relay", credential, resource, "submit", False, partial(attempt, login)))
    return probes
