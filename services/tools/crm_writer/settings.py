from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.tool_service.rate_limits import DEFAULT_LIMITS_FILE


class CrmWriterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_CRM_WRITER_")

    service_name: str = "tool-crm-writer"
    consumer_group: str = "tool-crm-writer"
    # how long a written key and a call's result are remembered; longer than any redelivery or replay window
    idempotency_ttl_seconds: int = 30 * 24 * 3600
    vault_ttl_seconds: int = 30 * 24 * 3600
    limits_file: Path = DEFAULT_LIMITS_FILE
