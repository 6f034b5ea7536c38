"""Throwaway local-development secrets, generated on first run into the git-ignored state dir."""

import base64
import secrets
from collections.abc import Callable
from pathlib import Path

from infra.kafka_acls import KAFKA_PRINCIPALS
from infra.redis_acls import REDIS_USERS
from infra.weaviate_access import WEAVIATE_USERS, api_key_file
from services.evaluator.access import ensure_feedback_tokens
from services.gateway.settings import GatewaySettings
from shared.mail_sources import DeliveryPolicy, SourceKeyring
from shared.prompts.access import ensure_local_tokens
from shared.settings import PathSettings
from shared.smtp_relay import SMTP_RELAY_USERS, smtp_relay_password_file
from standins.crm.access import ensure_crm_tokens


def _password() -> str:
    return secrets.token_urlsafe(32)


def _aes_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def local_secret_files(paths: PathSettings) -> list[tuple[Path, Callable[[], str]]]:
    """Every secret file a local install needs, with how to make it: a Kafka password per principal, a Redis
    password per ACL user, a password per SMTP relay user, the Weaviate API keys (the operator's and one per
    service user), the PII vault key, the customer-key secret."""
    kafka = [(paths.secrets_dir / "kafka" / p / "mailspine_kafka_password", _password) for p in KAFKA_PRINCIPALS]
    redis = [(paths.secrets_dir / "redis" / user / "mailspine_redis_password", _password) for user in REDIS_USERS]
    smtp_relay = [(smtp_relay_password_file(user, paths), _password) for user in SMTP_RELAY_USERS]
    weaviate_users = [(api_key_file(user, paths), _password) for user in WEAVIATE_USERS]
    return [
        *kafka,
        *redis,
        *smtp_relay,
        (paths.secrets_dir / "mailspine_weaviate_api_key", _password),  # the operator's (Weaviate's root user)
        *weaviate_users,
        (paths.secrets_dir / "mailspine_pii_vault_key", _aes_key),
        (paths.secrets_dir / "mailspine_customer_key_secret", _password),  # shared/customer_keys.py
    ]


def ensure_local_secrets(paths: PathSettings | None = None) -> list[Path]:
    """Create each missing secret file (mode 600, folders 700); never overwrite one. Returns those created."""
    paths = paths or PathSettings()
    created = []
    for path, make in local_secret_files(paths):
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in (path.parent, *path.parent.parents):
            if folder.is_relative_to(paths.secrets_dir):
                folder.chmod(0o700)
        path.write_text(make())
        path.chmod(0o600)
        created.append(path)
    keyring = SourceKeyring(paths.secrets_dir / "sources")
    for source_id in DeliveryPolicy.load(GatewaySettings().policy_file).sources:
        if keyring.ensure(source_id):
            created.append(paths.secrets_dir / "sources" / source_id / "keys")
    registry_tokens = paths.secrets_dir / "registry" / "tokens.yaml"
    if ensure_local_tokens(registry_tokens):  # the prompt registry's API users (see shared/prompts/access.py)
        created.append(registry_tokens)
    feedback_tokens = paths.secrets_dir / "evaluator" / "tokens.yaml"
    if ensure_feedback_tokens(feedback_tokens):  # who may send thumbs up or down (services/evaluator/access.py)
        created.append(feedback_tokens)
    # who may read the CRM stand-in, and each reader's own token (standins/crm/access.py)
    created += ensure_crm_tokens(paths.secrets_dir / "crm" / "tokens.yaml", paths.secrets_dir)
    return created


def kafka_password(principal: str, paths: PathSettings | None = None) -> str:
    paths = paths or PathSettings()
    return (paths.secrets_dir / "kafka" / principal / "mailspine_kafka_password").read_text().strip()


def redis_password(user: str, paths: PathSettings | None = None) -> str:
    paths = paths or PathSettings()
    return (paths.secrets_dir / "redis" / user / "mailspine_redis_password").read_text().strip()
