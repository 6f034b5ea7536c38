from pydantic_settings import BaseSettings, SettingsConfigDict


class CrmWriterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_CRM_WRITER_")

    service_name: str = "tool-crm-writer"
    consumer_group: str = "tool-crm-writer"
    # how long a written key is remembered; longer than any redelivery or replay window
    idempotency_ttl_seconds: int = 30 * 24 * 3600
    vault_ttl_seconds: int = 30 * 24 * 3600
