from pydantic_settings import BaseSettings, SettingsConfigDict


class RetrieverSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_RETRIEVER_")

    service_name: str = "tool-retriever"
    consumer_group: str = "tool-retriever"
