"""Settings shared by every process: where state lives and how to reach Kafka, Redis, Jaeger and Weaviate.

Values come from environment variables (prefix ``MAILSPINE_``); secrets come from per-purpose files in the
state directory's ``secrets/`` folder, which ``mailspine up`` generates on first run for local development.
"""

import base64
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis import Redis as SyncRedis
from redis.asyncio import Redis as AsyncRedis

from shared.errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[1]


class PathSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_")

    home: Path = Field(default=REPO_ROOT / "var", description="state: data dirs, logs, pid files, secrets")
    cache: Path = Field(
        default=Path.home() / ".cache" / "mailspine",
        description="downloaded jars and built binaries, shared by every checkout",
    )

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"


class KafkaSettings(BaseSettings):
    """How to reach Kafka, and as whom. Each service is its own principal with its own password."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_KAFKA_")

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: Literal["SASL_PLAINTEXT", "SASL_SSL"] = "SASL_PLAINTEXT"
    username: str = "admin"
    password: SecretStr = Field(default=SecretStr(""), description="secrets/kafka/<principal>/mailspine_kafka_password")
    controller_port: int = 9093
    default_partitions: int = 3
    # mail.inbound.v1 must carry oversize mail so the gateway can quarantine it with a reason
    max_message_bytes: int = 26 * 1024 * 1024

    @property
    def port(self) -> int:
        return int(self.bootstrap_servers.rsplit(":", 1)[1])

    @classmethod
    def for_principal(cls, principal: str) -> "KafkaSettings":
        """Settings for one Kafka principal; its password comes from the environment or its own secret file."""
        secrets_dir = PathSettings().secrets_dir / "kafka" / principal
        if secrets_dir.is_dir():
            return cls(username=principal, _secrets_dir=secrets_dir)
        return cls(username=principal)

    def client_options(self) -> dict[str, Any]:
        """aiokafka keyword arguments that authenticate as this principal."""
        password = self.password.get_secret_value()
        if not password:
            raise UserError(
                f"no Kafka password for principal {self.username!r}: set MAILSPINE_KAFKA_PASSWORD, or run "
                "`mailspine up` once to generate local-development credentials",
            )
        return {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": "PLAIN",
            "sasl_plain_username": self.username,
            "sasl_plain_password": password,
        }


class RedisSettings(BaseSettings):
    """How to reach Redis, and as whom. Each service is its own ACL user (named like the service) with its own
    password, limited to its own key prefix (``<user>:``); the default user is disabled."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_REDIS_")

    host: str = "127.0.0.1"
    port: int = 6379
    username: str = ""
    password: SecretStr = Field(default=SecretStr(""), description="secrets/redis/<user>/mailspine_redis_password")

    @property
    def url(self) -> str:
        """Where Redis is, without credentials (for messages and the summary)."""
        return f"redis://{self.host}:{self.port}/0"

    @classmethod
    def for_user(cls, user: str) -> "RedisSettings":
        """Settings for one Redis ACL user; its password comes from the environment or its own secret file."""
        secrets_dir = PathSettings().secrets_dir / "redis" / user
        if secrets_dir.is_dir():
            return cls(username=user, _secrets_dir=secrets_dir)
        return cls(username=user)

    def client_options(self) -> dict[str, Any]:
        """redis-py keyword arguments that authenticate as this user."""
        password = self.password.get_secret_value()
        if not self.username or not password:
            raise UserError(
                f"no Redis password for user {self.username or '(none)'!r}: build the settings with "
                "RedisSettings.for_user(<service name>) and set MAILSPINE_REDIS_PASSWORD, or run `mailspine up` "
                "once to generate local-development credentials",
            )
        return {"host": self.host, "port": self.port, "username": self.username, "password": password}

    def client(self, **options: Any) -> AsyncRedis:
        """An asyncio client that authenticates as this user on every connection."""
        return AsyncRedis(**self.client_options(), **options)

    def sync_client(self, **options: Any) -> SyncRedis:
        """A blocking client, for the command line, health checks and synchronous tests."""
        return SyncRedis(**self.client_options(), **options)


class TracingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_TRACING_")

    host: str = "127.0.0.1"
    otlp_grpc_port: int = 4317
    otlp_http_port: int = 4318
    query_port: int = 16686
    health_port: int = 13133
    enabled: bool = True

    @property
    def otlp_endpoint(self) -> str:
        return f"http://{self.host}:{self.otlp_grpc_port}"

    @property
    def query_url(self) -> str:
        return f"http://{self.host}:{self.query_port}"


class WeaviateSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MAILSPINE_WEAVIATE_")

    host: str = "127.0.0.1"
    http_port: int = 8080
    grpc_port: int = 50051
    api_key: str = Field(default="", description="read from secrets/mailspine_weaviate_api_key when not set")
    mail_history_collection: str = "MailHistory"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @classmethod
    def load(cls) -> "WeaviateSettings":
        """The operator's key (Weaviate's root user): migrations and `mailspine history reindex`."""
        return cls(_secrets_dir=PathSettings().secrets_dir)

    @classmethod
    def for_user(cls, user: str) -> "WeaviateSettings":
        """One service's own key (RBAC on the server limits it); from the environment or its own secret file."""
        secrets_dir = PathSettings().secrets_dir / "weaviate" / user
        if secrets_dir.is_dir():
            return cls(_secrets_dir=secrets_dir)
        return cls()


class PiiVaultSettings(BaseSettings):
    """The PII vault key. Only the gateway (which seals originals), the CRM writer (which needs the customer's
    address back), the email sender (which sends to it) and the console (which reveals a review's values to a person
    with the role, audited) load it; no other service has a settings field for it."""

    model_config = SettingsConfigDict(env_prefix="MAILSPINE_")

    pii_vault_key: SecretStr = Field(default=SecretStr(""), description="base64 of 32 random bytes")

    @classmethod
    def load(cls) -> "PiiVaultSettings":
        return cls(_secrets_dir=PathSettings().secrets_dir)

    def key(self) -> bytes:
        encoded = self.pii_vault_key.get_secret_value()
        if not encoded:
            raise UserError("no PII vault key: set MAILSPINE_PII_VAULT_KEY (base64 of 32 bytes), or run "
                            "`mailspine up` once to generate a local-development key")
        return base64.b64decode(encoded)
