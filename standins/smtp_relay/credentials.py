"""Who may send through the relay: SMTP AUTH (PLAIN or LOGIN) against each relay user's own password."""

import hmac
import logging
from collections.abc import Mapping
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

from shared.settings import PathSettings
from shared.smtp_relay import SMTP_RELAY_USERS, smtp_relay_password_file

logger = logging.getLogger(__name__)


class RelayCredentials:
    """The relay's user table, as aiosmtpd's ``authenticator`` callback."""

    def __init__(self, passwords: Mapping[str, str]) -> None:
        self.passwords = dict(passwords)

    @classmethod
    def load(cls, paths: PathSettings | None = None) -> "RelayCredentials":
        """Every relay user whose password file exists; a user without one can never log in."""
        passwords = {}
        for user in SMTP_RELAY_USERS:
            path = smtp_relay_password_file(user, paths)
            if path.exists():
                passwords[user] = path.read_text().strip()
        return cls(passwords)

    def user_for(self, login: str, password: str) -> str | None:
        """The user these credentials log in as, or None."""
        known = self.passwords.get(login)
        # compare even for an unknown login, so the answer's timing does not tell which users exist
        matches = hmac.compare_digest((known or "\x00").encode(), password.encode())
        return login if known and matches else None

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode(errors="replace")
        user = self.user_for(login, auth_data.password.decode(errors="replace"))
        if user is None:
            logger.warning("refused SMTP AUTH %s for %r from %s", mechanism, login, session.peer)
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=user)
