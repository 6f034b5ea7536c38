"""Where the CRM's read API is (the stand-in locally: ``MAILSPINE_CRM_HOST`` / ``MAILSPINE_CRM_PORT``), and how a
reader finds its own bearer token: ``secrets/<principal>/crm_read_token`` unless one is set in the environment."""

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import UserError
from shared.settings import PathSettings


class CrmEndpointSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_CRM_")

    host: str = "127.0.0.1"
    port: int = 8073

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def crm_read_token_file(secrets_dir: Path, principal: str) -> Path:
    """Each reader's own token file, so no reader can read another's token."""
    return secrets_dir / principal / "crm_read_token"


def crm_reader_token(principal: str, configured: SecretStr | None = None) -> str:
    """The principal's CRM read token: ``configured`` (from its settings) or its own token file."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    path = crm_read_token_file(PathSettings().secrets_dir, principal)
    if not path.exists():
        raise UserError(f"no CRM read token for {principal}: set it in the environment, or run `mailspine up` once "
                        f"to generate local-development tokens ({path})")
    return path.read_text(encoding="utf-8").strip()
