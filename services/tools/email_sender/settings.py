from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class EmailSenderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_EMAIL_SENDER_")

    service_name: str = "tool-email-sender"  # its Kafka principal, Redis user and SMTP relay account
    consumer_group: str = "tool-email-sender"
    # the From of every reply: the organisation's support mailbox (the relay sends as it)
    from_address: str = "support@mailspine.localhost"
    # the right-hand side of the Message-IDs it makes, one per call id
    message_id_domain: str = "mailspine.localhost"
    vault_ttl_seconds: int = 30 * 24 * 3600
    # how long a sent reply is remembered by call id; longer than any redelivery or replay window
    sent_ttl_seconds: int = 30 * 24 * 3600
    # its own CRM read token (scope crm:read): an address on the sender's CRM record may receive a reply
    crm_token: SecretStr | None = Field(default=None, description="else secrets/tool-email-sender/crm_read_token")
    crm_timeout_seconds: float = 10.0
