from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.tool_service.rate_limits import DEFAULT_LIMITS_FILE


class HistorySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_HISTORY_")

    service_name: str = "tool-history"
    consumer_group: str = "tool-history"
    crm_token: SecretStr | None = Field(default=None, description="else secrets/tool-history/crm_read_token")
    crm_timeout_seconds: float = 10.0
    # a call's result is remembered this long (a repeated call id returns it)
    result_ttl_seconds: int = 7 * 24 * 3600
    limits_file: Path = DEFAULT_LIMITS_FILE
