from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_GATEWAY_")

    service_name: str = "gateway"
    consumer_group: str = "gateway"
    max_mail_bytes: int = 10 * 1024 * 1024
    quarantine_copy_limit_bytes: int = 1024 * 1024
