from pydantic_settings import BaseSettings, SettingsConfigDict


class HistoryIndexerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_HISTORY_INDEXER_")

    service_name: str = "history-indexer"
    mail_consumer_group: str = "history-indexer"
    runs_consumer_group: str = "history-indexer-runs"
    # a mail waits in Redis for its run summary (and the other way round) at most this long: the topics' retention
    staging_ttl_seconds: int = 7 * 24 * 3600
    # the indexed excerpt of the body; the embedding model reads about 512 tokens anyway
    max_excerpt_chars: int = 2000
