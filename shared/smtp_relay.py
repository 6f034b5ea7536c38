"""Where the outbound SMTP relay listens and who may send through it: one SMTP AUTH user per sending service,
each with its own password in ``secrets/smtp_relay/<user>/mailspine_smtp_relay_password``.

Locally the relay is a stand-in (``standins/smtp_relay``); in production these settings name the organisation's
relay and the email sender's account there.
"""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import UserError
from shared.settings import PathSettings

EMAIL_SENDER_USER = "tool-email-sender"
# the only accounts the relay knows: the email sender alone may send mail out
SMTP_RELAY_USERS = (EMAIL_SENDER_USER,)


def smtp_relay_password_file(user: str, paths: PathSettings | None = None) -> Path:
    paths = paths or PathSettings()
    return paths.secrets_dir / "smtp_relay" / user / "mailspine_smtp_relay_password"


class SmtpRelaySettings(BaseSettings):
    """How to reach the relay, and as whom."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_SMTP_RELAY_")

    host: str = "127.0.0.1"
    port: int = 8025
    username: str = ""
    password: SecretStr = Field(default=SecretStr(""), description="secrets/smtp_relay/<user>/...")
    timeout_seconds: float = 30.0

    @classmethod
    def for_user(cls, user: str) -> "SmtpRelaySettings":
        """Settings that log in as ``user``; its password comes from the environment or its own secret file."""
        secrets_dir = smtp_relay_password_file(user).parent
        if secrets_dir.is_dir():
            return cls(username=user, _secrets_dir=secrets_dir)
        return cls(username=user)

    def login(self) -> tuple[str, str]:
        password = self.password.get_secret_value()
        if not self.username or not password:
            raise UserError(f"no SMTP relay password for user {self.username!r}: set MAILSPINE_SMTP_RELAY_PASSWORD, "
                            "or run `mailspine up` once to generate local-development credentials")
        return self.username, password
