from pydantic_settings import BaseSettings, SettingsConfigDict


class MailIngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_MAIL_INGEST_")

    service_name: str = "mail-ingest"  # also its Kafka principal
    host: str = "127.0.0.1"
    port: int = 8024
    # the mail server that delivers here, as named in config/gateway-policy.yaml: mail is signed with its key and
    # its recipients must be mailboxes it may deliver for
    source_id: str = "local-mx"
    hostname: str = "mailspine-ingest"  # the name in the LMTP greeting and in Message-IDs it has to add
    # the record carries the message in base64 (a third larger) inside JSON, and the gateway refuses records over
    # MAILSPINE_GATEWAY_MAX_MAIL_BYTES (10 MiB): 7 MiB of mail stays under it
    max_message_bytes: int = 7 * 1024 * 1024
    # how long a delivery waits for Kafka's acknowledgement before it answers 451 (the MTA then retries)
    publish_timeout_seconds: float = 15.0
