from pydantic_settings import BaseSettings, SettingsConfigDict


class RuntimeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_RUNTIME_")

    service_name: str = "runtime"
    consumer_group: str = "runtime"
    summary_chars: int = 280
    # attempts at one schema-valid extraction before the mail is dead-lettered with the model's last problem
    extraction_attempts: int = 2
    # mail text beyond this is not sent to the model (contexts are finite; the newest message comes first)
    max_body_chars: int = 20_000
